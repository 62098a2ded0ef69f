import type { Transaction } from 'kysely';
import type { ChangeEvent } from '../domain/changeEvent';
import type { Db } from './createDb';
import type { Database } from './database';
import { appendChangeEvents } from './repositories/changeOutbox.repository';

type Trx = Transaction<Database>;

// What a change can make stale, named by the caller with what its recomputation needs. Nothing derives from
// today's tables: issue 7 adds `{ name: 'effectiveEntitlements'; customerId: string }` and its case in `recompute`.
export type Recomputation = never;

async function recompute(_trx: Trx, _environmentId: string, recomputation: Recomputation): Promise<void> {
  // Each named recomputation gets a case here; until one exists, the compiler proves no caller can name any.
  const unnamed: never = recomputation;
  throw new Error(`no recomputation for ${JSON.stringify(unnamed)}`);
}

export type Change<Result> = {
  environmentId: string;
  write: (trx: Trx) => Promise<Result>;
  // Named by the caller, from what the write did: recomputed in the same transaction, after the write.
  recompute: (result: Result) => readonly Recomputation[];
  // What listeners are told; empty when the write changed nothing.
  events: (result: Result) => readonly ChangeEvent[];
};

// The one way state changes: write, recompute what derives from it, append its events; all commit or none do.
export async function commitChange<Result>(db: Db, change: Change<Result>): Promise<Result> {
  return db.transaction().execute(async (trx) => {
    const result = await change.write(trx);
    for (const recomputation of change.recompute(result)) await recompute(trx, change.environmentId, recomputation);
    await appendChangeEvents(trx, change.environmentId, change.events(result));
    return result;
  });
}
