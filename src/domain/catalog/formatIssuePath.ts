// A path segment is clipped so that an absurdly long unknown key cannot make an error answer large.
const MAX_KEY_LENGTH = 100;

// ['plans', 1, 'prices', 0] → "plans[1].prices[0]"
export function formatIssuePath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((text, key) => {
    if (typeof key === 'number') return `${text}[${key}]`;
    const name = String(key).length > MAX_KEY_LENGTH ? `${String(key).slice(0, MAX_KEY_LENGTH)}…` : String(key);
    return text ? `${text}.${name}` : name;
  }, '');
}
