import pg from 'pg';
import { runClosedLoop, type LoadResult } from './httpLoad';

// The physical reference for a durable usage acknowledgement: one single-row INSERT committed (an autocommit
// statement, so a WAL flush) straight from the bench to the service's own Postgres, with no HTTP and no logic.
export async function measureCommitFloor(connectionString: string, options: { concurrency: number; seconds: number }): Promise<LoadResult> {
  const pool = new pg.Pool({ connectionString, max: options.concurrency });
  try {
    await pool.query('create table if not exists bench_commit_floor (id bigint generated always as identity primary key, customer_id text not null, value numeric not null, created_at timestamptz not null default now())');
    return await runClosedLoop(options, async (index) => {
      try {
        await pool.query('insert into bench_commit_floor (customer_id, value) values ($1, $2)', [`floor-${index}`, 1]);
        return { status: '200', body: '' };
      } catch (error) {
        return { status: (error as { code?: string }).code ?? 'ERROR', body: String(error) };
      }
    });
  } finally {
    await pool.end();
  }
}
