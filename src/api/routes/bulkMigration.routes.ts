import { z } from 'zod';
import { findLatestPublishedVersion } from '../../db/repositories/planMigration.repository';
import { BULK_MIGRATION_LIMITS, bulkMigrationSchema } from '../../domain/subscriptions/bulkMigration';
import { MIGRATION_TIMES } from '../../domain/subscriptions/planMigration';
import { identifierSchema } from '../../domain/input/identifier';
import type { AppDependencies } from '../appDependencies';
import { environmentOf } from '../authenticate';
import { notFound } from '../httpError';
import type { Operation, RouteRegistry } from '../routeRegistry';
import { errorAnswer } from '../schemas/errors.schemas';

const progressSchema = z.object({
  packageId: z.string(),
  packageType: z.enum(['PLAN', 'ADDON']),
  latestVersion: z.number().int().describe('The version subscriptions move to'),
  subscriptionMigrationTime: z.enum(MIGRATION_TIMES),
  status: z.enum(['RUNNING', 'COMPLETED']),
  total: z.number().int().describe('Live subscriptions on older versions when it started'),
  processed: z.number().int(),
  migrated: z.number().int(),
  scheduled: z.number().int().describe('END_OF_BILLING_PERIOD: migrations scheduled at each period end'),
  alreadyLatest: z.number().int(),
  failed: z.number().int(),
  failures: z.array(z.object({ subscriptionId: z.string(), code: z.string(), message: z.string() })).describe('The first 100 failures; the others carry on'),
  pages: z.number().int(),
  startedAt: z.iso.datetime(),
  finishedAt: z.iso.datetime().nullable(),
});
const startedSchema = z.object({
  migrationId: z.string().describe('The workflow id, to find it in the Temporal UI'),
  started: z.boolean().describe('false: a migration of this package was already running, and this answers its progress'),
  progress: progressSchema,
});

const kinds = [
  { packageType: 'PLAN' as const, noun: 'plan', collection: 'plans', param: 'planId' as const },
  { packageType: 'ADDON' as const, noun: 'add-on', collection: 'addons', param: 'addonId' as const },
];

// Bulk migration of every live subscription on an older version of a plan (or add-on) to its latest: a workflow that
// pages through them and migrates each through its own subscription workflow; its progress is read back here.
export function bulkMigrationRoutes({ db, workflows, migrationRatePerSecond }: AppDependencies, { route }: RouteRegistry): void {
  for (const { packageType, noun, collection, param } of kinds) {
    const pathSchema = z.object({ [param]: identifierSchema(255) }) as z.ZodObject<Record<typeof param, ReturnType<typeof identifierSchema>>>;
    const target = async (environmentId: string, packageId: string) => {
      if ((await findLatestPublishedVersion(db, { environmentId, packageId, kind: packageType })) === undefined) throw notFound(`${noun} "${packageId}" was not found (or has no published version)`, param);
      return { environmentId, packageId, packageType };
    };
    const readProgress = async (input: Awaited<ReturnType<typeof target>>) => {
      const progress = await workflows.bulkMigrations.progress(input);
      if (!progress) throw notFound(`no migration of ${noun} "${input.packageId}" has been started`, param);
      return progress;
    };

    route(
      {
        method: 'post',
        path: `/v1/${collection}/:${param}/migrate`,
        summary: `Migrate every live subscription on an older version of the ${noun} to its latest version (a workflow; 202 at once, progress at GET …/migration). One migration per ${noun} at a time: asked again while one runs, it answers that one. Rate-limited towards the billing provider (\`ratePerSecond\`, default ${BULK_MIGRATION_LIMITS.ratePerSecond.default} or TOLLGATE_MIGRATION_RATE_PER_SECOND)`,
        params: pathSchema,
        body: { schema: bulkMigrationSchema },
        workflow: true,
        responses: { 202: { description: 'Started (or already running): its id and progress', schema: startedSchema }, 404: errorAnswer(`No such ${noun}, or none published`) },
      } satisfies Operation,
      async ({ params, body }, res) => {
        const input = await target(environmentOf(res), (params as Record<string, string>)[param]!);
        const started = await workflows.bulkMigrations.start({
          ...input,
          subscriptionMigrationTime: body.subscriptionMigrationTime,
          ratePerSecond: body.ratePerSecond ?? migrationRatePerSecond ?? BULK_MIGRATION_LIMITS.ratePerSecond.default,
          pageSize: body.pageSize ?? BULK_MIGRATION_LIMITS.pageSize.default,
        });
        res.status(202).json({ ...started, progress: await readProgress(input) });
      },
    );

    route(
      {
        method: 'get',
        path: `/v1/${collection}/:${param}/migration`,
        summary: `The progress of the ${noun}'s latest bulk migration, running or completed`,
        params: pathSchema,
        workflow: true,
        responses: { 200: { description: 'Its progress', schema: progressSchema }, 404: errorAnswer(`No such ${noun}, or no migration of it started`) },
      } satisfies Operation,
      async ({ params }, res) => {
        res.json(await readProgress(await target(environmentOf(res), (params as Record<string, string>)[param]!)));
      },
    );
  }
}
