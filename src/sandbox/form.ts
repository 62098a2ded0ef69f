// Decodes Stripe's application/x-www-form-urlencoded bracket notation into nested values.

export type FormValue = string | FormValue[] | FormObject;
export interface FormObject {
  [key: string]: FormValue;
}

// Keys that would let a crafted body reach Object.prototype.
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

function decodeComponent(raw: string): string {
  try {
    return decodeURIComponent(raw.replace(/\+/g, ' '));
  } catch {
    return raw; // Malformed escapes are kept verbatim rather than failing the whole body.
  }
}

/** Splits `a[b][0][]` into ['a', 'b', '0', '']; a key with unbalanced brackets stays whole. */
function splitKey(key: string): string[] {
  const open = key.indexOf('[');
  if (open <= 0) return [key];
  const segments = [key.slice(0, open)];
  const rest = key.slice(open);
  const pattern = /\[([^[\]]*)\]/g;
  let consumed = 0;
  for (let m = pattern.exec(rest); m !== null; m = pattern.exec(rest)) {
    if (m.index !== consumed) return [key];
    segments.push(m[1] ?? '');
    consumed = pattern.lastIndex;
  }
  return consumed === rest.length ? segments : [key];
}

function assign(target: FormObject, segments: string[], value: string): void {
  let node = target;
  for (let i = 0; i < segments.length; i += 1) {
    const raw = segments[i] ?? '';
    // `[]` appends, the way Rack/qs treat an empty bracket.
    const seg = raw === '' ? String(Object.keys(node).length) : raw;
    if (FORBIDDEN_KEYS.has(seg)) return;
    if (i === segments.length - 1) {
      node[seg] = value;
      return;
    }
    const next = node[seg];
    if (next === undefined || typeof next === 'string' || Array.isArray(next)) {
      const created: FormObject = {};
      node[seg] = created;
      node = created;
    } else {
      node = next;
    }
  }
}

/** Objects keyed exactly 0..n-1 become arrays, like Stripe's indexed-array params. */
function arrayify(value: FormValue): FormValue {
  if (typeof value === 'string' || Array.isArray(value)) return value;
  const keys = Object.keys(value);
  for (const key of keys) value[key] = arrayify(value[key] as FormValue);
  const indexed = keys.length > 0 && keys.every((k, i) => k === String(i));
  return indexed ? keys.map((k) => value[k] as FormValue) : value;
}

export function decodeForm(text: string): FormObject {
  const root: FormObject = {};
  if (text === '') return root;
  for (const pair of text.split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const key = decodeComponent(eq === -1 ? pair : pair.slice(0, eq));
    const value = eq === -1 ? '' : decodeComponent(pair.slice(eq + 1));
    assign(root, splitKey(key), value);
  }
  for (const key of Object.keys(root)) root[key] = arrayify(root[key] as FormValue);
  return root;
}

/** JSON with sorted keys, so two bodies with the same params compare equal regardless of order. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
