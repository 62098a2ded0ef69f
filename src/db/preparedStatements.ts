import { createHash } from 'node:crypto';
import type pg from 'pg';

// Put first in a hot statement's text (a Kysely `sql` template whose text never varies: values are parameters):
// each connection then parses and plans it once, as a named prepared statement, instead of on every execution.
export const PREPARED = '/* prepared */';

const names = new Map<string, string>();
const nameOf = (text: string) => {
  let name = names.get(text);
  if (name === undefined) names.set(text, (name = `tg_${createHash('sha1').update(text).digest('hex').slice(0, 20)}`));
  return name;
};

// The marked statements of a pooled client are sent named. The set of names is bounded by the code's marked texts.
export function prepareMarkedStatements(client: pg.PoolClient): void {
  const query = client.query.bind(client) as (...args: unknown[]) => unknown;
  client.query = ((...args: unknown[]) => {
    const [text, values] = args;
    if (typeof text === 'string' && text.startsWith(PREPARED) && (values === undefined || Array.isArray(values)) && args.length <= 2) {
      return query({ name: nameOf(text), text, values });
    }
    return query(...args);
  }) as typeof client.query;
}
