import { createServer, request, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

// How the next matching requests fail: answered 503 without reaching the service, or passed on to the service
// and their answer lost (the connection dropped once the service has done the work).
export type Failure = 'refuse' | 'lose-answer';
export type SeenRequest = { method: string; path: string; headers: IncomingHttpHeaders; body: string };
export type FlakyProxy = { url: string; failNext: (method: string, path: string, failures: Failure[]) => void; seen: (method: string, path: string) => SeenRequest[]; close: () => Promise<void> };

// An HTTP relay to the service that fails chosen requests a given number of times, and records every request.
export async function startFlakyProxy(target: string): Promise<FlakyProxy> {
  const upstream = new URL(target);
  const plans: { method: string; path: string; failures: Failure[] }[] = [];
  const requests: SeenRequest[] = [];
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      requests.push({ method: req.method!, path, headers: req.headers, body: body.toString() });
      const plan = plans.find((p) => p.method === req.method && p.path === path && p.failures.length > 0);
      const failure = plan?.failures.shift();
      if (failure === 'refuse') return void res.writeHead(503, { 'Content-Type': 'application/json' }).end(JSON.stringify({ error: { code: 'INJECTED', message: 'injected failure' } }));
      const forward = request({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: { ...req.headers, host: upstream.host } }, (answer) => {
        const parts: Buffer[] = [];
        answer.on('data', (part: Buffer) => parts.push(part));
        answer.on('end', () => {
          if (failure === 'lose-answer') return void res.socket?.destroy();
          res.writeHead(answer.statusCode ?? 502, answer.headers).end(Buffer.concat(parts));
        });
      });
      forward.on('error', () => res.destroy());
      forward.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    failNext: (method, path, failures) => void plans.push({ method, path, failures: [...failures] }),
    seen: (method, path) => requests.filter((r) => r.method === method && r.path === path),
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
