import { ApplicationFailure } from '@temporalio/common';
import { loadSubscriptionCatalog } from '../db/repositories/catalogRead.repository';
import { listVersionPrices } from '../db/repositories/subscriptions.repository';
import type { ChosenPrice } from '../domain/subscriptions/chosenPrice';
import { choosePrices } from '../domain/subscriptions/choosePrices';
import { migrationTarget, type PackageVersions } from '../domain/subscriptions/planMigration';
import type { TransitionCause } from '../domain/subscriptions/subscriptionHistory';
import { paramsAfterUpdate } from '../domain/subscriptions/subscriptionUpdate';
import { resolveSubscriptionRequest } from '../domain/subscriptions/subscriptionRequest';
import type { ActivityDependencies } from './activityDependencies';
import type { BillingSubscriptionSnapshot } from './subscriptionBilling.activities';
import { changeSubscription, requireLive, updatableOf } from './subscriptionLifecycle.activities';
import { refused } from './subscriptionPreparation.activities';

// Where a migration moves a subscription: the latest versions and what they cost at its own quantities, billing
// period and country; `billing`: what the provider must hear (null without a provider subscription).
export type PreparedMigration =
  | { upToDate: true }
  | {
      upToDate: false;
      target: PackageVersions & { prices: ChosenPrice[] };
      billing: { billingId: string; customerBillingId: string | null; items: { priceBillingId: string; quantity: number }[]; resetBillingCycle: false } | null;
    };

const notMigratable = (message: string, field = 'subscriptionId') => refused(message, { status: 409, code: 'SUBSCRIPTION_NOT_MIGRATABLE', field });
const migrationRefused = (message: string, field: string) => refused(message, { status: 422, code: 'MIGRATION_REFUSED', field });

export function createSubscriptionMigrationActivities(deps: ActivityDependencies) {
  const { db } = deps;
  return {
    // The subscription checked against its plan's latest published version as a whole subscription would be
    // (compatible add-ons, quantities, a price for its billing period), priced there.
    async prepareSubscriptionMigration(input: { environmentId: string; subscriptionId: string }): Promise<PreparedMigration> {
      const { environmentId } = input;
      const row = await requireLive(db, environmentId, input.subscriptionId);
      if (row.live_slot !== 'PAID' && row.live_slot !== 'TRIAL') throw notMigratable(`subscription "${row.id}" is ${row.status}: only a live subscription can be migrated`);
      const resolved = resolveSubscriptionRequest(paramsAfterUpdate(updatableOf(row), {}), await loadSubscriptionCatalog(db, environmentId));
      if ('problem' in resolved) throw migrationRefused(`the latest version of plan "${row.plan_id}" does not take this subscription: ${resolved.problem.field}: ${resolved.problem.message}`, resolved.problem.field);
      const { request } = resolved;
      const target = migrationTarget(
        { planVersion: row.plan_version, addons: row.addons },
        { planVersion: request.plan.version, addonVersions: new Map(request.addons.map(({ addon }) => [addon.id, addon.version])) },
      );
      if (!target) return { upToDate: true };
      if (request.plan.pricingType !== row.pricing_type) {
        throw migrationRefused(`the latest version of plan "${row.plan_id}" is ${request.plan.pricingType} where this subscription's is ${row.pricing_type}: provision it as a new subscription instead`, 'planId');
      }
      let prices: ChosenPrice[] = [];
      if (row.pricing_type === 'PAID') {
        const quantityOf = (featureId: string | null) => request.billableFeatures.find((b) => b.featureId === featureId)?.quantity ?? 1;
        const priced = [
          { packageId: row.plan_id, packageKind: 'PLAN' as const, version: target.planVersion, prices: await listVersionPrices(db, environmentId, row.plan_id, target.planVersion), quantityOf },
          ...(await Promise.all(
            target.addons.map(async ({ addonId, version, quantity }) => ({
              packageId: addonId,
              packageKind: 'ADDON' as const,
              version,
              prices: await listVersionPrices(db, environmentId, addonId, version),
              quantityOf: () => quantity,
            })),
          )),
        ];
        const choice = choosePrices(priced, row.billing_period!, row.billing_country_code);
        if ('problem' in choice) throw migrationRefused(`the latest version of plan "${row.plan_id}": ${choice.problem}`, 'billingCountryCode');
        if (choice.prices.length === 0 || (row.currency !== null && choice.currency !== row.currency)) {
          throw migrationRefused(`the latest version of plan "${row.plan_id}" has no ${row.billing_period} price in ${row.currency}: the subscription cannot move to it`, 'billingPeriod');
        }
        prices = choice.prices;
      }
      const billed = row.billing_id !== null && row.pricing_type === 'PAID';
      const unsynced = billed ? prices.find((price) => price.billingId === null) : undefined;
      // The catalog sync creates the provider's prices right after a publish; a migration that needs them waits for it.
      if (unsynced) throw ApplicationFailure.retryable(`price of "${unsynced.packageId}" is not in the billing provider yet (the catalog sync adds it)`, 'PriceNotSynced');
      return {
        upToDate: false,
        target: { ...target, prices },
        billing: billed ? { billingId: row.billing_id!, customerBillingId: null, items: prices.map((price) => ({ priceBillingId: price.billingId!, quantity: price.quantity })), resetBillingCycle: false } : null,
      };
    },

    // The move to the latest versions, with its entitlements, in one transaction; a retry finds it made and writes nothing.
    async recordSubscriptionMigration(input: { environmentId: string; subscriptionId: string; target: PackageVersions & { prices: ChosenPrice[] }; billing: BillingSubscriptionSnapshot | null; cause: TransitionCause }) {
      const { target, billing } = input;
      return changeSubscription(deps, { ...input, entitlements: true }, (row) => {
        const sameAddons = JSON.stringify(row.addons) === JSON.stringify(target.addons);
        if (row.plan_version === target.planVersion && sameAddons) return row.migration_date ? { changes: { migration_date: null }, transition: null } : null;
        return {
          changes: {
            plan_version: target.planVersion,
            addons: JSON.stringify(target.addons),
            prices: JSON.stringify(target.prices),
            migration_date: null,
            ...(billing?.currentPeriodEnd && { current_billing_period_start: billing.currentPeriodStart ? new Date(billing.currentPeriodStart) : null, current_billing_period_end: new Date(billing.currentPeriodEnd) }),
          },
          transition: 'MIGRATED',
        };
      });
    },

    // A migration to come at the period end (or, with at = null, dropped: nothing was left to migrate by then).
    async recordScheduledMigration(input: { environmentId: string; subscriptionId: string; at: string | null; cause: TransitionCause }) {
      const at = input.at ? new Date(input.at) : null;
      return changeSubscription(deps, { ...input, entitlements: false }, (row) =>
        (row.migration_date?.getTime() ?? null) === (at?.getTime() ?? null) ? null : { changes: { migration_date: at }, transition: at ? 'MIGRATION_SCHEDULED' : null },
      );
    },
  };
}
