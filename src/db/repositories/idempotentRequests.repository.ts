import { sql } from 'kysely';
import type { DbOrTransaction } from '../createDb';

type WorkflowRun = { workflowId: string; runId: string };
type IdempotencyClaim =
  | { claimed: true }
  | { claimed: false; existing: { request_fingerprint: string; status_code: number | null; response_body: unknown; startedRun: WorkflowRun | undefined } };

// Claims a key for a request; returns the stored row when the key was already claimed. An unfinished claim
// of the same request that recorded no workflow run (its process died before or during the start) is taken
// over once `takeOverAfterMs` passed; a claim tied to a run is never taken over: its retries await that run.
export async function claimIdempotencyKey(db: DbOrTransaction, environmentId: string, key: string, fingerprint: string, takeOverAfterMs: number): Promise<IdempotencyClaim> {
  const claimed = await db
    .insertInto('idempotent_requests')
    .values({ environment_id: environmentId, key, request_fingerprint: fingerprint, response_body: null })
    .onConflict((oc) =>
      oc.columns(['environment_id', 'key']).doUpdateSet({ created_at: sql`now()` }).where((eb) =>
        eb.and([
          eb('idempotent_requests.request_fingerprint', '=', fingerprint),
          eb('idempotent_requests.status_code', 'is', null),
          eb('idempotent_requests.workflow_run_id', 'is', null),
          eb('idempotent_requests.created_at', '<', sql<Date>`now() - make_interval(secs => ${takeOverAfterMs / 1000})`),
        ]),
      ),
    )
    .returning('key')
    .executeTakeFirst();
  if (claimed) return { claimed: true };
  const existing = await db
    .selectFrom('idempotent_requests')
    .select(['request_fingerprint', 'status_code', 'response_body', 'workflow_id', 'workflow_run_id'])
    .where('environment_id', '=', environmentId)
    .where('key', '=', key)
    .executeTakeFirst();
  // Released in between by a refused attempt of the same key: claim it afresh.
  if (!existing) return claimIdempotencyKey(db, environmentId, key, fingerprint, takeOverAfterMs);
  const startedRun: WorkflowRun | undefined =
    existing.workflow_id !== null && existing.workflow_run_id !== null ? { workflowId: existing.workflow_id, runId: existing.workflow_run_id } : undefined;
  return { claimed: false, existing: { request_fingerprint: existing.request_fingerprint, status_code: existing.status_code, response_body: existing.response_body, startedRun } };
}

// Recorded right after the start, before the result is awaited, so a crash while waiting loses nothing.
export async function recordIdempotentRequestRun(db: DbOrTransaction, environmentId: string, key: string, run: WorkflowRun) {
  await db
    .updateTable('idempotent_requests')
    .set({ workflow_id: run.workflowId, workflow_run_id: run.runId })
    .where('environment_id', '=', environmentId)
    .where('key', '=', key)
    .where('status_code', 'is', null)
    .execute();
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
