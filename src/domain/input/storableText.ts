// Text that Postgres (UTF-8, no NUL) and Temporal (UTF-8 JSON payloads) cannot keep exactly as sent, and the one
// key ("__proto__") that JavaScript objects cannot keep.
// Such input is refused at the edge, naming the field, instead of being stored altered (U+FFFD) or failing deep inside.
export type UnstorableText = { path: (string | number)[]; reason: string };

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

export function unstorableReason(text: string): string | undefined {
  if (text.includes('\u0000')) return 'must not contain the NUL character (\\u0000)';
  if (LONE_SURROGATE.test(text)) return 'must be valid Unicode (it contains a lone surrogate, e.g. \\ud800)';
  return undefined;
}

// Walks a decoded JSON or YAML value without recursion, so no nesting depth can overflow the stack.
export function findUnstorableText(value: unknown): UnstorableText | undefined {
  const stack: { value: unknown; path: (string | number)[] }[] = [{ value, path: [] }];
  while (stack.length > 0) {
    const { value: current, path } = stack.pop()!;
    if (typeof current === 'string') {
      const reason = unstorableReason(current);
      if (reason) return { path, reason };
    } else if (Array.isArray(current)) {
      for (let index = current.length - 1; index >= 0; index--) stack.push({ value: current[index], path: [...path, index] });
    } else if (current !== null && typeof current === 'object') {
      const entries = Object.entries(current);
      for (let index = entries.length - 1; index >= 0; index--) {
        const [key, member] = entries[index]!;
        const reason = unstorableReason(key);
        if (reason) return { path: [...path, key], reason: `key ${reason}` };
        // JavaScript objects treat "__proto__" as their prototype, not as a key: it would vanish on the way in.
        if (key === '__proto__') return { path: [...path, key], reason: 'is a reserved name and cannot be used as a key' };
        stack.push({ value: member, path: [...path, key] });
      }
    }
  }
  return undefined;
}

// Depth of nested arrays and objects, measured without recursion.
export function nestingDepthExceeds(value: unknown, maxDepth: number): boolean {
  const stack: { value: unknown; depth: number }[] = [{ value, depth: 0 }];
  while (stack.length > 0) {
    const { value: current, depth } = stack.pop()!;
    if (current === null || typeof current !== 'object') continue;
    if (depth + 1 > maxDepth) return true;
    for (const member of Object.values(current)) stack.push({ value: member, depth: depth + 1 });
  }
  return false;
}

// The deepest nesting any request body may have: real documents need under ten levels.
export const MAX_INPUT_DEPTH = 32;

// Whether text could hold a NUL or a surrogate at all: most text holds neither and needs no closer look.
const NUL_OR_SURROGATE = /[\u0000\ud800-\udfff]/;

// The common case in one pass, without paths: nested at most `maxDepth` levels (as nestingDepthExceeds counts them)
// and all text and keys storable (as findUnstorableText checks them). False only says to ask those two which rule
// fails and where.
export function isStorableWithin(value: unknown, maxDepth: number): boolean {
  const values: unknown[] = [value];
  const depths: number[] = [0];
  while (values.length > 0) {
    const current = values.pop();
    const depth = depths.pop()!;
    if (typeof current === 'string') {
      if (NUL_OR_SURROGATE.test(current) && unstorableReason(current)) return false;
      continue;
    }
    if (current === null || typeof current !== 'object') continue;
    if (depth + 1 > maxDepth) return false;
    if (Array.isArray(current)) {
      for (const member of current) {
        values.push(member);
        depths.push(depth + 1);
      }
      continue;
    }
    for (const key of Object.keys(current)) {
      if (key === '__proto__' || (NUL_OR_SURROGATE.test(key) && unstorableReason(key))) return false;
      values.push((current as Record<string, unknown>)[key]);
      depths.push(depth + 1);
    }
  }
  return true;
}
