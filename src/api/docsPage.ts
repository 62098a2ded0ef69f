// A self-contained API reference page: no CDN, so it works on machines without internet.
export const DOCS_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Tollgate API</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font:15px/1.5 system-ui,sans-serif;margin:0;color:#1d2330;background:#f6f7f9}
header{background:#1d2330;color:#fff;padding:18px 32px}header h1{margin:0;font-size:22px}
main{max-width:980px;margin:0 auto;padding:24px 32px}
.op{background:#fff;border:1px solid #dde1e7;border-radius:8px;margin:14px 0;padding:14px 18px}
.m{display:inline-block;min-width:58px;font-weight:700;text-transform:uppercase;font-size:13px}
.get{color:#1a7f37}.post{color:#0969da}.put{color:#9a6700}.patch{color:#8250df}
code,pre{font-family:ui-monospace,monospace;font-size:13px}pre{background:#f6f8fa;padding:10px;overflow:auto;border-radius:6px;max-height:420px}
details summary{cursor:pointer;color:#57606a}
</style></head><body>
<header><h1>Tollgate API</h1><div id="desc"></div></header>
<main id="ops">Loading /openapi.json…</main>
<script>
fetch('/openapi.json').then(r => r.json()).then(doc => {
  document.getElementById('desc').textContent = doc.info.description;
  const ops = document.getElementById('ops'); ops.textContent = '';
  for (const [path, methods] of Object.entries(doc.paths)) for (const [method, op] of Object.entries(methods)) {
    const el = document.createElement('section'); el.className = 'op';
    const head = document.createElement('div');
    head.innerHTML = '<span class="m ' + method + '"></span> <code></code>' + (op.security && op.security.length === 0 ? ' <small>(no API key)</small>' : '');
    head.querySelector('.m').textContent = method; head.querySelector('code').textContent = path;
    const summary = document.createElement('p'); summary.textContent = op.summary;
    el.append(head, summary);
    const add = (title, value) => { const d = document.createElement('details'); const s = document.createElement('summary'); s.textContent = title;
      const pre = document.createElement('pre'); pre.textContent = JSON.stringify(value, null, 2); d.append(s, pre); el.append(d); };
    if (op.requestBody) add('Request body', op.requestBody.content['application/json'].schema);
    for (const [status, response] of Object.entries(op.responses)) add(status + ' ' + response.description, response.content ? response.content['application/json'].schema : {});
    ops.append(el);
  }
}).catch(error => { document.getElementById('ops').textContent = 'Could not load /openapi.json: ' + error; });
</script></body></html>`;
