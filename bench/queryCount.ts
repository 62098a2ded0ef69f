import pg from 'pg';

// How many Postgres transactions one request commits (an autocommit query is one; a write transaction one more),
// from pg_stat_database. A backend publishes its counts when it has been idle ~10 s (PGSTAT_IDLE_INTERVAL) or
// exits, so each count waits that long; the Postgres activity of an idle service in the same wait is subtracted.
const STATS_FLUSH_WAIT_MS = 11_500;

// `send(index)` and `send(index + secondPassOffset)` must ask the same of the service but for any idempotency key.
export type TransactionProbe = (requests: number, secondPassOffset: number, send: (index: number) => Promise<unknown>) => Promise<number>;

export async function transactionProbe(connectionString: string): Promise<{ perRequest: TransactionProbe; close: () => Promise<void> }> {
  const client = new pg.Client({ connectionString });
  await client.connect();
  const committed = async () => {
    await new Promise((done) => setTimeout(done, STATS_FLUSH_WAIT_MS));
    await client.query('select pg_stat_clear_snapshot()');
    const { rows } = await client.query('select xact_commit + xact_rollback as total from pg_stat_database where datname = current_database()');
    return Number(rows[0].total);
  };
  // An idle interval: this probe's own statements and whatever the service does unasked, subtracted from each count.
  let last = await committed();
  const background = (await committed()) - last;
  last += background;
  return {
    async perRequest(requests, secondPassOffset, send) {
      // The same requests twice, counting the second time: what a warm service (caches filled) asks of Postgres.
      for (let index = 0; index < requests; index++) await send(index);
      last = await committed();
      for (let index = 0; index < requests; index++) await send(index + secondPassOffset);
      const now = await committed();
      const perRequest = (now - last - background) / requests;
      last = now;
      return perRequest;
    },
    close: () => client.end(),
  };
}
