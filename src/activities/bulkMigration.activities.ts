import { Context } from '@temporalio/activity';
import { WorkflowNotFoundError, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { countSubscriptionsOnOlderVersions, findLatestPublishedVersion, listSubscriptionsOnOlderVersions, type MigratedPackage } from '../db/repositories/planMigration.repository';
import type { BulkMigrationFailure, PageResult } from '../domain/subscriptions/bulkMigration';
import type { MigrationResult, MigrationTime } from '../domain/subscriptions/planMigration';
import { migrateSubscriptionUpdate, type FailureData } from '../workflows/definitions';
import { FailureType } from '../workflows/failureTypes';
import { workflowIds } from '../workflows/workflowIds';
import type { ActivityDependencies } from './activityDependencies';

// At most this many subscriptions' migrations in flight at once, whatever the rate.
const MAX_IN_FLIGHT = 32;

type PageCheckpoint = { next: number; result: PageResult };
type OneOutcome = { result: MigrationResult } | { failure: BulkMigrationFailure };

const emptyPage = (): PageResult => ({ counts: { MIGRATED: 0, SCHEDULED: 0, ALREADY_LATEST: 0 }, failures: [] });
const codeOf = (failure: FailureData) => ((failure.details[0] ?? {}) as { code?: string }).code ?? failure.type;

// The bulk migration's steps: find what is on older versions, and migrate one page of them, each through its own
// subscription workflow (the migrate Update, whose id makes a repeat the same request).
export function createBulkMigrationActivities({ db }: ActivityDependencies) {
  return {
    async countSubscriptionsToMigrate(target: MigratedPackage): Promise<{ latestVersion: number; total: number }> {
      const latestVersion = await findLatestPublishedVersion(db, target);
      if (latestVersion === undefined) throw ApplicationFailure.nonRetryable(`${target.kind.toLowerCase()} "${target.packageId}" has no published version`, FailureType.SubscriptionRequestRefused, { status: 404, code: 'NOT_FOUND', field: target.kind === 'PLAN' ? 'planId' : 'addonId' });
      return { latestVersion, total: await countSubscriptionsOnOlderVersions(db, target, latestVersion) };
    },

    async listSubscriptionsToMigrate(input: MigratedPackage & { latestVersion: number; after: string | null; limit: number }): Promise<string[]> {
      return listSubscriptionsOnOlderVersions(db, input, input.latestVersion, { after: input.after, limit: input.limit });
    },

    // Migrates each subscription of the page at most `ratePerSecond` a second (the provider's rate limit is shared
    // with everything else). Heartbeats say how far it got, so an attempt retried after a crash carries on from there.
    async migrateSubscriptionsPage(input: { environmentId: string; subscriptionIds: string[]; subscriptionMigrationTime: MigrationTime; ratePerSecond: number; migrationKey: string }): Promise<PageResult> {
      const context = Context.current();
      const checkpoint = context.info.heartbeatDetails as PageCheckpoint | undefined;
      let next = checkpoint?.next ?? 0;
      const result = checkpoint?.result ?? emptyPage();
      const inFlight = Math.max(1, Math.min(MAX_IN_FLIGHT, Math.floor(input.ratePerSecond)));
      const spacingMs = (1000 * inFlight) / input.ratePerSecond;
      while (next < input.subscriptionIds.length) {
        const started = Date.now();
        const chunk = input.subscriptionIds.slice(next, next + inFlight);
        const outcomes = await Promise.all(chunk.map((subscriptionId) => migrateOne(context.client, input, subscriptionId)));
        for (const outcome of outcomes) {
          if ('failure' in outcome) result.failures.push(outcome.failure);
          else result.counts[outcome.result] += 1;
        }
        next += chunk.length;
        context.heartbeat({ next, result } satisfies PageCheckpoint);
        const wait = spacingMs - (Date.now() - started);
        if (wait > 0 && next < input.subscriptionIds.length) await context.sleep(wait);
      }
      return result;
    },
  };
}

// One subscription's migration through its workflow. Its refusals are listed; an outage is thrown, so the attempt
// is retried (and sends the same Update again).
async function migrateOne(client: Client, input: { environmentId: string; subscriptionMigrationTime: MigrationTime; migrationKey: string }, subscriptionId: string): Promise<OneOutcome> {
  const failure = (code: string, message: string): OneOutcome => ({ failure: { subscriptionId, code, message } });
  try {
    const handle = client.workflow.getHandle(workflowIds.subscription(input.environmentId, subscriptionId));
    const answer = await handle.executeUpdate(migrateSubscriptionUpdate, { args: [{ subscriptionMigrationTime: input.subscriptionMigrationTime }], updateId: `${input.migrationKey}:${subscriptionId}` });
    if ('failure' in answer) return failure(codeOf(answer.failure), answer.failure.message);
    return { result: answer.outcome.migration ?? 'ALREADY_LATEST' };
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return failure('SUBSCRIPTION_ENDED', `subscription "${subscriptionId}" has ended`);
    if (error instanceof WorkflowUpdateFailedError && error.cause instanceof ApplicationFailure) {
      return failure(codeOf({ message: error.cause.message, type: error.cause.type ?? 'Unknown', details: [...(error.cause.details ?? [])] }), error.cause.message);
    }
    throw error;
  }
}
