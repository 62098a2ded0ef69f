import { sql } from 'kysely';
import type { Db } from '../../src/db/createDb';

// Waits until every transaction committed before the call is readable from the outbox. Readers stop at the oldest
// transaction still running on the server (any database: the test files share one), so a read right after a commit
// may not see it yet.
export async function waitForOutboxHorizon(db: Db): Promise<void> {
  const { rows } = await sql<{ transactionId: string }>`select pg_current_xact_id()::text as "transactionId"`.execute(db);
  for (;;) {
    const passed = await sql<{ passed: boolean }>`select pg_snapshot_xmin(pg_current_snapshot()) > ${rows[0]!.transactionId}::xid8 as passed`.execute(db);
    if (passed.rows[0]!.passed) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
