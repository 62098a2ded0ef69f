import { ApplicationFailure, continueAsNew, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities/createActivities';
import { withPage, type BulkMigrationProgress } from '../domain/subscriptions/bulkMigration';
import type { MigrationTime } from '../domain/subscriptions/planMigration';
import { defaultActivityOptions } from './activityOptions';
import { bulkMigrationProgressQuery } from './definitions';

const activities = proxyActivities<Activities>(defaultActivityOptions);

export type BulkMigrationInput = {
  environmentId: string;
  packageId: string;
  packageType: 'PLAN' | 'ADDON';
  subscriptionMigrationTime: MigrationTime;
  ratePerSecond: number;
  pageSize: number;
  // Carried by continueAsNew: where the previous runs got to.
  progress?: BulkMigrationProgress;
  after?: string | null;
};

// Moves every live subscription still on an older version of a plan (or add-on) to the latest, each through its own
// subscription workflow, one page per run: pages of ids after the last one done, continueAsNew between pages, so a
// migration of any size keeps short histories and a crash resumes where it stopped. A refusal is listed, not fatal.
export async function bulkMigrationWorkflow(input: BulkMigrationInput): Promise<BulkMigrationProgress> {
  const target = { environmentId: input.environmentId, packageId: input.packageId, kind: input.packageType };
  let progress: BulkMigrationProgress | undefined = input.progress;
  // Asked before the first count is in, it answers as started with nothing counted yet.
  setHandler(bulkMigrationProgressQuery, () => progress ?? { ...starting(), latestVersion: 0, total: 0 });
  progress ??= await begin();

  function starting(): Omit<BulkMigrationProgress, 'latestVersion' | 'total'> {
    return {
      packageId: input.packageId,
      packageType: input.packageType,
      subscriptionMigrationTime: input.subscriptionMigrationTime,
      status: 'RUNNING',
      processed: 0,
      migrated: 0,
      scheduled: 0,
      alreadyLatest: 0,
      failed: 0,
      failures: [],
      pages: 0,
      startedAt: new Date().toISOString(),
      finishedAt: null,
    };
  }
  async function begin(): Promise<BulkMigrationProgress> {
    const { latestVersion, total } = await activities.countSubscriptionsToMigrate(target);
    return { ...starting(), latestVersion, total };
  }

  const page = await activities.listSubscriptionsToMigrate({ ...target, latestVersion: progress.latestVersion, after: input.after ?? null, limit: input.pageSize });
  if (page.length === 0) {
    progress = { ...progress, status: 'COMPLETED', finishedAt: new Date().toISOString() };
    return progress;
  }
  // Long enough for the page at its rate, with room for slow Updates; heartbeats catch a worker that died.
  const pageSeconds = Math.ceil(page.length / input.ratePerSecond) * 3 + 60;
  const paced = proxyActivities<Activities>({ startToCloseTimeout: `${pageSeconds} seconds`, heartbeatTimeout: '15 seconds', retry: { initialInterval: '1 second', maximumInterval: '30 seconds', maximumAttempts: 10 } });
  const { workflowId, firstExecutionRunId } = workflowInfo();
  try {
    const result = await paced.migrateSubscriptionsPage({
      environmentId: input.environmentId,
      subscriptionIds: page,
      subscriptionMigrationTime: input.subscriptionMigrationTime,
      ratePerSecond: input.ratePerSecond,
      // One migration's Updates keep their ids across its runs and retries, so each subscription hears it once.
      migrationKey: `${workflowId}:${firstExecutionRunId}`,
    });
    progress = withPage(progress!, result);
  } catch (error) {
    // The page could not be finished through every retry (Temporal or the provider down for long): listed, not fatal.
    const message = error instanceof ApplicationFailure ? error.message : `the page could not be migrated: ${(error as Error).message}`;
    progress = withPage(progress!, { counts: { MIGRATED: 0, SCHEDULED: 0, ALREADY_LATEST: 0 }, failures: page.map((subscriptionId) => ({ subscriptionId, code: 'PAGE_FAILED', message })) });
  }
  return continueAsNew<typeof bulkMigrationWorkflow>({ ...input, progress, after: page[page.length - 1]! });
}
