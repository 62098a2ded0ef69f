// Query strings may carry secrets a caller put there by mistake (an API key, a token): logs keep the parameter
// names, never their values.
export function redactQueryValues(url: string): string {
  const start = url.indexOf('?');
  if (start === -1) return url;
  const names = url
    .slice(start + 1)
    .split('&')
    .filter(Boolean)
    .map((pair) => `${pair.split('=')[0]!.slice(0, 64)}=[redacted]`);
  return `${url.slice(0, start)}?${names.join('&')}`;
}
