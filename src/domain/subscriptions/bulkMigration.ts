import { z } from 'zod';
import { MIGRATION_TIMES, type MigrationResult, type MigrationTime } from './planMigration';

// The bulk migration's knobs: how fast it goes towards the provider, and how many subscriptions a page holds.
export const BULK_MIGRATION_LIMITS = { ratePerSecond: { min: 0.1, max: 100, default: 10 }, pageSize: { min: 1, max: 500, default: 100 } } as const;

// POST /v1/plans/:planId/migrate (and /v1/addons/:addonId/migrate).
export const bulkMigrationSchema = z.strictObject({
  subscriptionMigrationTime: z.enum(MIGRATION_TIMES).default('IMMEDIATE'),
  ratePerSecond: z
    .number()
    .min(BULK_MIGRATION_LIMITS.ratePerSecond.min)
    .max(BULK_MIGRATION_LIMITS.ratePerSecond.max)
    .optional()
    .describe(`Subscriptions migrated per second at most (each is one or two provider calls); default ${BULK_MIGRATION_LIMITS.ratePerSecond.default}, or TOLLGATE_MIGRATION_RATE_PER_SECOND`),
  pageSize: z.number().int().min(BULK_MIGRATION_LIMITS.pageSize.min).max(BULK_MIGRATION_LIMITS.pageSize.max).optional().describe(`Subscriptions per page (one workflow run each); default ${BULK_MIGRATION_LIMITS.pageSize.default}`),
});
export type BulkMigrationRequest = z.infer<typeof bulkMigrationSchema>;

// A subscription the bulk migration could not migrate, and why; the others carry on.
export type BulkMigrationFailure = { subscriptionId: string; code: string; message: string };
export type PageResult = { counts: Record<MigrationResult, number>; failures: BulkMigrationFailure[] };

// Only the first failures are listed (the count has them all), so the progress stays small in workflow history.
export const LISTED_FAILURES_MAX = 100;

export type BulkMigrationProgress = {
  packageId: string;
  packageType: 'PLAN' | 'ADDON';
  latestVersion: number;
  subscriptionMigrationTime: MigrationTime;
  status: 'RUNNING' | 'COMPLETED';
  // Subscriptions on older versions when it started; ones that move meanwhile change only `processed`.
  total: number;
  processed: number;
  migrated: number;
  scheduled: number;
  alreadyLatest: number;
  failed: number;
  failures: BulkMigrationFailure[];
  pages: number;
  startedAt: string;
  finishedAt: string | null;
};

export function withPage(progress: BulkMigrationProgress, page: PageResult): BulkMigrationProgress {
  const { MIGRATED, SCHEDULED, ALREADY_LATEST } = page.counts;
  return {
    ...progress,
    processed: progress.processed + MIGRATED + SCHEDULED + ALREADY_LATEST + page.failures.length,
    migrated: progress.migrated + MIGRATED,
    scheduled: progress.scheduled + SCHEDULED,
    alreadyLatest: progress.alreadyLatest + ALREADY_LATEST,
    failed: progress.failed + page.failures.length,
    failures: [...progress.failures, ...page.failures].slice(0, LISTED_FAILURES_MAX),
    pages: progress.pages + 1,
  };
}
