import { sql } from 'kysely';
import type { DbOrTransaction } from '../createDb';

// Claims a key for a request; returns the stored row when the key was already claimed (and is not stale).
export async function claimIdempotencyKey(db: DbOrTransaction, environmentId: string, key: string, fingerprint: string, staleAfterSeconds: number) {
  const claimed = await db
    .insertInto('idempotent_requests')
    .values({ environment_id: environmentId, key, request_fingerprint: fingerprint, response_body: null })
    .onConflict((oc) =>
      oc.columns(['environment_id', 'key']).doUpdateSet({ request_fingerprint: fingerprint, created_at: sql`now()` }).where((eb) =>
        // An unfinished claim left by a crashed process may be taken over after a while.
        eb.and([eb('idempotent_requests.status_code', 'is', null), eb('idempotent_requests.created_at', '<', sql<Date>`now() - make_interval(secs => ${staleAfterSeconds})`)]),
      ),
    )
    .returning('key')
    .executeTakeFirst();
  if (claimed) return { claimed: true as const };
  const existing = await db
    .selectFrom('idempotent_requests')
    .select(['request_fingerprint', 'status_code', 'response_body'])
    .where('environment_id', '=', environmentId)
    .where('key', '=', key)
    .executeTakeFirstOrThrow();
  return { claimed: false as const, existing };
}

export async function recordIdempotentResponse(db: DbOrTransaction, environmentId: string, key: string, statusCode: number, body: unknown) {
  await db
    .updateTable('idempotent_requests')
    .set({ status_code: statusCode, response_body: JSON.stringify(body) })
    .where('environment_id', '=', environmentId)
    .where('key', '=', key)
    .execute();
}

export async function releaseIdempotencyKey(db: DbOrTransaction, environmentId: string, key: string) {
  await db.deleteFrom('idempotent_requests').where('environment_id', '=', environmentId).where('key', '=', key).where('status_code', 'is', null).execute();
}
