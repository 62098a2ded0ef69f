// Whether a decoded value holds more than `max` values (arrays, objects and scalars), counted without recursion.
// A YAML alias reuses one object in several places; each place counts, so the count is the size after expansion,
// and the walk stops at `max` whatever the expansion (or a cycle) would reach.
export function valueCountExceeds(value: unknown, max: number): boolean {
  const stack: unknown[] = [value];
  let count = 0;
  while (stack.length > 0) {
    const current = stack.pop();
    if (++count > max) return true;
    if (current === null || typeof current !== 'object') continue;
    const members = Array.isArray(current) ? current : Object.values(current);
    if (count + stack.length + members.length > max) return true;
    for (const member of members) stack.push(member);
  }
  return false;
}
