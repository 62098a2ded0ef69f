import { proxyActivities } from '@temporalio/workflow';
import type { createBaselineActivities } from './baseline.activities';

const { touch } = proxyActivities<ReturnType<typeof createBaselineActivities>>({ startToCloseTimeout: '10 seconds' });

// The least a workflow can do: the floor under every Tollgate workflow's start-to-result time.
export async function noopWorkflow(): Promise<string> {
  return 'done';
}

// One activity round trip, the unit every Tollgate step pays (provisioning runs two).
export async function oneActivityWorkflow(): Promise<string> {
  return touch();
}
