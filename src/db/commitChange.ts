import type { Transaction } from 'kysely';
import type { ChangeEvent } from '../domain/changeEvent';
import type { Db } from './createDb';
import type { Database } from './database';
import { recomputeEffectiveEntitlements } from './recompute/effectiveEntitlements.recompute';
import { appendChangeEvents } from './repositories/changeOutbox.repository';

type Trx = Transaction<Database>;

// What a change can make stale, named by the caller with what its recomputation needs.
export type Recomputation = { name: 'effectiveEntitlements'; customerId: string };

// Brings what derives from the change up to date, and says what listeners should hear about it.
async function recompute(trx: Trx, environmentId: string, recomputation: Recomputation): Promise<readonly ChangeEvent[]> {
  switch (recomputation.name) {
    case 'effectiveEntitlements':
      return recomputeEffectiveEntitlements(trx, environmentId, recomputation.customerId, new Date());
  }
}

// The recomputation every change of a customer's subscriptions names.
export const entitlementsOf = (customerId: string): Recomputation => ({ name: 'effectiveEntitlements', customerId });

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
    const derived: ChangeEvent[] = [];
    for (const recomputation of change.recompute(result)) derived.push(...(await recompute(trx, change.environmentId, recomputation)));
    await appendChangeEvents(trx, change.environmentId, [...change.events(result), ...derived]);
    return result;
  });
}
