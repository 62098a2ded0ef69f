import { z } from 'zod';
import { findSubscription } from '../../db/repositories/subscriptions.repository';
import { subscriptionSchema } from '../../domain/subscriptions/subscription';
import { MIGRATION_RESULTS, migrateSubscriptionSchema } from '../../domain/subscriptions/planMigration';
import { toSubscriptionView } from '../../domain/subscriptions/toSubscriptionView';
import type { AppDependencies } from '../appDependencies';
import { environmentOf } from '../authenticate';
import { conflict, notFound } from '../httpError';
import { requestRunOf } from '../idempotency';
import type { Operation, RouteRegistry } from '../routeRegistry';
import { errorAnswer } from '../schemas/errors.schemas';
import { subscriptionPathSchema } from '../schemas/subscriptions.schemas';

export const migrateSubscriptionResultSchema = z.object({
  migration: z
    .enum(MIGRATION_RESULTS)
    .describe('MIGRATED: on the latest versions now; SCHEDULED: it moves at the period end (see scheduledChanges); ALREADY_LATEST: nothing to do, nothing changed'),
  subscription: subscriptionSchema,
});

const migrateSubscriptionOperation = {
  method: 'post',
  path: '/v1/subscriptions/:subscriptionId/migrate',
  summary:
    "migrateSubscriptionToLatest: move the subscription to its plan's and add-ons' latest published versions, IMMEDIATE (default; with a provider the price difference is prorated and invoiced at once) or END_OF_BILLING_PERIOD (a durable timer at the period end, or the trial's end). Entitlements follow in the same transaction. Already on the latest versions: `migration: ALREADY_LATEST`, nothing changes",
  params: subscriptionPathSchema,
  body: { schema: migrateSubscriptionSchema },
  workflow: true,
  responses: {
    200: { description: 'What the migration did, and the subscription after it', schema: migrateSubscriptionResultSchema },
    404: errorAnswer('No such subscription'),
    409: errorAnswer('The subscription has ended or is not live yet (`SUBSCRIPTION_NOT_MIGRATABLE`)'),
    422: errorAnswer("The plan's latest version does not take this subscription (`MIGRATION_REFUSED`: an add-on no longer compatible, no price for its billing period), or the provider refused the change: nothing changed"),
  },
} satisfies Operation;

export function subscriptionMigrationRoutes({ db, workflows, entitlementReads }: AppDependencies, { route }: RouteRegistry): void {
  const readView = async (environmentId: string, subscriptionId: string) => {
    const row = await findSubscription(db, environmentId, subscriptionId);
    if (!row) throw notFound(`subscription "${subscriptionId}" was not found`, 'subscriptionId');
    return toSubscriptionView(row);
  };

  route(migrateSubscriptionOperation, async ({ params, body }, res) => {
    const environmentId = environmentOf(res);
    const current = await readView(environmentId, params.subscriptionId);
    const notMigratable = (why: string) => conflict('SUBSCRIPTION_NOT_MIGRATABLE', `subscription "${current.id}" ${why}`, 'subscriptionId');
    if (current.status === 'CANCELED' || current.status === 'EXPIRED') throw notMigratable(`has ended (${current.status})`);
    if (current.status === 'NOT_STARTED' || current.checkoutUrl !== null) throw notMigratable(`is not live yet (${current.status})`);
    const migration = await workflows.subscriptions.migrate(environmentId, current.id, { subscriptionMigrationTime: body.subscriptionMigrationTime }, requestRunOf(res));
    if (migration === undefined) throw notMigratable('has ended');
    if (migration === 'MIGRATED') entitlementReads?.forget?.(environmentId, current.customerId);
    res.json({ migration, subscription: await readView(environmentId, current.id) });
  });
}
