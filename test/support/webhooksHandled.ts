import { expect } from 'vitest';
import { workflowIds } from '../../src/workflows/workflowIds';
import type { ApiHarness } from './apiHarness';

// Every event the sandbox has sent so far delivered, and the subscription's workflow idle: no activity outstanding and
// no workflow task waiting after its last completed one. The loop applies queued events one at a time (each reads
// Stripe back), so without this an earlier event applied late would be the one that finds (and is recorded as causing)
// a later change.
export async function webhooksHandled(harness: ApiHarness, environmentId: string, subscriptionId: string): Promise<void> {
  await harness.stripe!.settleWebhooks();
  const handle = harness.client.workflow.getHandle(workflowIds.subscription(environmentId, subscriptionId));
  const busy = async () => {
    const events = (await handle.fetchHistory()).events ?? [];
    const scheduled = events.filter((event) => event.activityTaskScheduledEventAttributes).length;
    const done = events.filter((event) => event.activityTaskCompletedEventAttributes || event.activityTaskFailedEventAttributes).length;
    const lastCompleted = events.findLastIndex((event) => event.workflowTaskCompletedEventAttributes);
    const waitingTask = events.slice(lastCompleted + 1).some((event) => event.workflowTaskScheduledEventAttributes);
    return scheduled !== done || waitingTask;
  };
  for (let attempt = 0; attempt <= 300 && (await busy()); attempt++) await new Promise((resolve) => setTimeout(resolve, 100));
  expect(await busy()).toBe(false);
}
