import pg from 'pg';
import type { BenchApi } from './benchApi';

// The data the hot-path figures run over: customers provisioned through the API (untimed), and "10× data" made by
// copying every row of those customers straight in Postgres (the API would take minutes for setup alone).

export type HotPathCustomers = { free: string[]; pro: string[] };

// Runs `count` calls, `parallel` at a time, in index order.
export async function inParallel(count: number, parallel: number, call: (index: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: parallel }, async () => {
    while (next < count) await call(next++);
  }));
}

// Free customers start on the catalog's initial plan (plan-free: projects 3, api calls 1000/month hard, 2 seats);
// pro customers take plan-pro's 14-day trial (no payment method needed), which grants the boolean feature-sso.
export async function provisionCustomers(api: BenchApi, run: string, counts: { free: number; pro: number }): Promise<HotPathCustomers> {
  const free = Array.from({ length: counts.free }, (_, index) => `${run}-free-${index}`);
  const pro = Array.from({ length: counts.pro }, (_, index) => `${run}-pro-${index}`);
  await inParallel(free.length, 8, (index) => api('POST', '/v1/customers', { customerId: free[index], name: 'Bench', email: 'bench@example.com' }));
  await inParallel(pro.length, 8, (index) =>
    api('POST', '/v1/customers', { customerId: pro[index], name: 'Bench', email: 'bench@example.com', subscriptionParams: { planId: 'plan-pro', billingPeriod: 'MONTHLY', billableFeatures: [{ featureId: 'feature-seats', quantity: 3 }] } }),
  );
  return { free, pro };
}

// Each table holding rows of a customer, the columns naming it, and the unique columns a copy must change.
const CUSTOMER_TABLES: { table: string; customerColumn: string; renamed: string[] }[] = [
  { table: 'customers', customerColumn: 'id', renamed: [] },
  { table: 'subscriptions', customerColumn: 'customer_id', renamed: ['id', 'billing_id', 'checkout_session_id'] },
  { table: 'trial_usages', customerColumn: 'customer_id', renamed: [] },
  { table: 'effective_entitlements', customerColumn: 'customer_id', renamed: [] },
  { table: 'usage_counters', customerColumn: 'customer_id', renamed: [] },
  { table: 'usage_measurements', customerColumn: 'customer_id', renamed: ['id'] },
];

export type CopyOutcome = { seconds: number; rowsBefore: Record<string, number>; rowsAfter: Record<string, number> };

// Adds `copies` copies of every row of the given customers, so the tables the hot path reads
// hold (copies + 1)× the rows in the same shapes (copies of x are x-<tag>1, x-<tag>2, …); then ANALYZE, as autovacuum would on a database that grew slowly.
export async function copyCustomers(connectionString: string, customerIds: string[], copies: number, tag: string): Promise<CopyOutcome> {
  const client = new pg.Client({ connectionString });
  await client.connect();
  try {
    const started = Date.now();
    const rowsBefore = await countRows(client);
    await client.query('begin');
    for (const { table, customerColumn, renamed } of CUSTOMER_TABLES) {
      const columns = await insertableColumns(client, table);
      // Each copy is the source row as JSON with its customer (and unique ids) suffixed, read back into the table's type.
      const overrides = [customerColumn, ...renamed].map((column) => `'${column}', case when src.${column} is null then null else src.${column}::text || '-${tag}' || g end`);
      const idOverride = table === 'usage_measurements' ? `, 'id', gen_random_uuid()` : '';
      const list = columns.map((column) => `"${column}"`).join(', ');
      await client.query(
        `insert into ${table} (${list})
         select ${columns.map((column) => `copy."${column}"`).join(', ')}
         from ${table} src
         cross join generate_series(1, $2::int) g
         cross join lateral jsonb_populate_record(null::${table}, to_jsonb(src) || jsonb_build_object(${overrides.join(', ')}${idOverride})) copy
         where src.${customerColumn} = any($1::text[])`,
        [customerIds, copies],
      );
    }
    await client.query('commit');
    for (const { table } of CUSTOMER_TABLES) await client.query(`analyze ${table}`);
    return { seconds: (Date.now() - started) / 1000, rowsBefore, rowsAfter: await countRows(client) };
  } finally {
    await client.end();
  }
}

// The copied ids of a list of customers, in the same order as copyCustomers names them.
export const copiedIds = (customerIds: string[], copies: number, tag: string): string[] => customerIds.flatMap((id) => Array.from({ length: copies }, (_, copy) => `${id}-${tag}${copy + 1}`));

// Every column an insert may name: generated identity columns (usage_measurements.sequence) take their next value.
async function insertableColumns(client: pg.Client, table: string): Promise<string[]> {
  const { rows } = await client.query<{ column_name: string }>(
    `select column_name from information_schema.columns where table_schema = current_schema() and table_name = $1 and is_identity = 'NO' and is_generated = 'NEVER' order by ordinal_position`,
    [table],
  );
  return rows.map((row) => row.column_name);
}

async function countRows(client: pg.Client): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const { table } of CUSTOMER_TABLES) counts[table] = Number((await client.query(`select count(*) from ${table}`)).rows[0].count);
  return counts;
}
