import { sql } from 'kysely';
import type { DbOrTransaction } from '../createDb';
import type { CustomerRow } from '../database';

// The personal data a customer row holds: name, email, and the caller's free-form metadata (which may carry more).
const PERSONAL_DATA_REMOVED = { name: null, email: null, metadata: {} } as const;

// Archives the customer under a row lock, its personal data removed; an archived one is answered as it is.
export async function archiveCustomerRow(trx: DbOrTransaction, environmentId: string, customerId: string): Promise<{ row: CustomerRow; archivedNow: boolean } | undefined> {
  const current = await trx.selectFrom('customers').selectAll().where('environment_id', '=', environmentId).where('id', '=', customerId).forUpdate().executeTakeFirst();
  if (!current) return undefined;
  if (current.archived_at) return { row: current, archivedNow: false };
  const row = await trx
    .updateTable('customers')
    .set({ ...PERSONAL_DATA_REMOVED, metadata: JSON.stringify(PERSONAL_DATA_REMOVED.metadata), archived_at: sql`now()`, updated_at: sql`now()` })
    .where('environment_id', '=', environmentId)
    .where('id', '=', customerId)
    .returningAll()
    .executeTakeFirstOrThrow();
  return { row, archivedNow: true };
}

// Answers kept for retried requests hold the customer as it was (an Idempotency-Key replay, a workflow's applied
// outcome): the same personal data is removed there, so no replay brings it back.
export async function removeStoredCustomerPersonalData(trx: DbOrTransaction, environmentId: string, customerId: string): Promise<void> {
  const removed = JSON.stringify(PERSONAL_DATA_REMOVED);
  await sql`
    update idempotent_requests set response_body = case
        when response_body->>'customerId' = ${customerId} then response_body || ${removed}::jsonb
        else jsonb_set(response_body, '{customer}', (response_body->'customer') || ${removed}::jsonb)
      end
    where environment_id = ${environmentId} and jsonb_typeof(response_body) = 'object'
      and (response_body->>'customerId' = ${customerId} or response_body->'customer'->>'customerId' = ${customerId})`.execute(trx);
  await sql`
    update applied_requests set outcome = outcome || ${removed}::jsonb
    where environment_id = ${environmentId} and jsonb_typeof(outcome) = 'object' and outcome->>'customerId' = ${customerId}`.execute(trx);
}
