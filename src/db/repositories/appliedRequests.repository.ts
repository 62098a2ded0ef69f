import type { DbOrTransaction } from '../createDb';

// The first outcome of a request a workflow already applied, if any.
export async function findAppliedRequest(db: DbOrTransaction, environmentId: string, requestKey: string): Promise<{ outcome: unknown } | undefined> {
  return db
    .selectFrom('applied_requests')
    .select('outcome')
    .where('environment_id', '=', environmentId)
    .where('request_key', '=', requestKey)
    .executeTakeFirst();
}

// Marks a request applied inside the caller's transaction, before its write; answers the first outcome instead
// when it was applied already (a concurrent claim waits for the other transaction to commit or roll back).
export async function claimAppliedRequest(trx: DbOrTransaction, environmentId: string, requestKey: string): Promise<{ outcome: unknown } | undefined> {
  const inserted = await trx
    .insertInto('applied_requests')
    .values({ environment_id: environmentId, request_key: requestKey, outcome: null })
    .onConflict((oc) => oc.columns(['environment_id', 'request_key']).doNothing())
    .returning('request_key')
    .executeTakeFirst();
  if (inserted) return undefined;
  return findAppliedRequest(trx, environmentId, requestKey);
}

export async function recordAppliedOutcome(trx: DbOrTransaction, environmentId: string, requestKey: string, outcome: unknown) {
  await trx
    .updateTable('applied_requests')
    .set({ outcome: JSON.stringify(outcome) })
    .where('environment_id', '=', environmentId)
    .where('request_key', '=', requestKey)
    .execute();
}

// Records a request whose write just committed in the same transaction, when no claim was needed before it.
export async function recordAppliedRequest(trx: DbOrTransaction, environmentId: string, requestKey: string, outcome: unknown) {
  await trx
    .insertInto('applied_requests')
    .values({ environment_id: environmentId, request_key: requestKey, outcome: JSON.stringify(outcome) })
    .onConflict((oc) => oc.columns(['environment_id', 'request_key']).doNothing())
    .execute();
}
