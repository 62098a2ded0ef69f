import { workflowInfo } from '@temporalio/workflow';
import { stableDigest } from '../domain/stableDigest';

// Stripe takes keys of up to 255 characters; adapters append sub-steps (":attach-payment-method", ":tax-id:9").
const MAX_KEY_LENGTH = 200;

// The idempotency key of one provider call, the only place such keys are built. It is the same for a retried
// activity of the same run (the retry is the same request) and new in every run (a corrected retry, or a
// renamed-back catalog item, is a new request). The run id alone makes it unique; the workflow id makes it
// readable in the provider's logs and is shortened (with a digest) when the key would be too long.
export function providerIdempotencyKey(step: string): string {
  const { workflowId, runId } = workflowInfo();
  const tail = `${runId}:${step}`;
  const room = MAX_KEY_LENGTH - tail.length - 1;
  const prefix = workflowId.length <= room ? workflowId : `${workflowId.slice(0, Math.max(0, room - 9))}~${stableDigest(workflowId)}`;
  return `${prefix}:${tail}`;
}
