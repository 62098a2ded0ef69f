import { describe, expect, it } from 'vitest';
import { nextLifecycleTimer, type LifecycleState } from '../../src/domain/subscriptions/lifecycleTimers';
import { migrateSubscriptionSchema, migrationTarget, scheduledMigrationDate } from '../../src/domain/subscriptions/planMigration';

describe('plan-version migration rules', () => {
  const current = { planVersion: 1, addons: [{ addonId: 'addon-a', quantity: 2, version: 1 }, { addonId: 'addon-b', quantity: 1, version: 3 }] };

  it('moves the plan and every add-on to its latest published version, keeping quantities', () => {
    expect(migrationTarget(current, { planVersion: 2, addonVersions: new Map([['addon-a', 4], ['addon-b', 3]]) })).toEqual({
      planVersion: 2,
      addons: [{ addonId: 'addon-a', quantity: 2, version: 4 }, { addonId: 'addon-b', quantity: 1, version: 3 }],
    });
  });

  it('a newer add-on alone is a migration; an archived add-on (no published version) keeps its own', () => {
    expect(migrationTarget(current, { planVersion: 1, addonVersions: new Map([['addon-a', 2]]) })?.addons).toEqual([
      { addonId: 'addon-a', quantity: 2, version: 2 },
      { addonId: 'addon-b', quantity: 1, version: 3 },
    ]);
  });

  it('already on the latest of everything: null (a no-op)', () => {
    expect(migrationTarget(current, { planVersion: 1, addonVersions: new Map([['addon-a', 1], ['addon-b', 3]]) })).toBeNull();
  });

  it('END_OF_BILLING_PERIOD waits for the period end, or the trial end during a trial; a free plan has none', () => {
    expect(scheduledMigrationDate({ status: 'ACTIVE', currentBillingPeriodEnd: '2027-02-01T00:00:00.000Z', trialEndDate: null })).toBe('2027-02-01T00:00:00.000Z');
    expect(scheduledMigrationDate({ status: 'IN_TRIAL', currentBillingPeriodEnd: null, trialEndDate: '2027-01-15T00:00:00.000Z' })).toBe('2027-01-15T00:00:00.000Z');
    expect(scheduledMigrationDate({ status: 'ACTIVE', currentBillingPeriodEnd: null, trialEndDate: null })).toBeNull();
  });

  it('the body defaults to IMMEDIATE and refuses other times and unknown fields', () => {
    expect(migrateSubscriptionSchema.parse({})).toEqual({ subscriptionMigrationTime: 'IMMEDIATE' });
    expect(migrateSubscriptionSchema.safeParse({ subscriptionMigrationTime: 'LATER' }).success).toBe(false);
    expect(migrateSubscriptionSchema.safeParse({ when: 'now' }).success).toBe(false);
  });
});

describe('the scheduled migration timer', () => {
  const base: LifecycleState = { status: 'ACTIVE', billingId: null, pricingType: 'PAID', trialEndDate: null, currentBillingPeriodEnd: '2027-02-01T00:00:00.000Z', cancellationDate: null, gracePeriodEnd: null };

  it('fires at its date, before the renewal of the period it ends; a cancellation at the same time wins', () => {
    expect(nextLifecycleTimer({ ...base, migrationDate: base.currentBillingPeriodEnd })).toEqual({ kind: 'MIGRATION', at: Date.parse('2027-02-01T00:00:00Z') });
    expect(nextLifecycleTimer({ ...base, migrationDate: base.currentBillingPeriodEnd, cancellationDate: base.currentBillingPeriodEnd })).toMatchObject({ kind: 'CANCELLATION' });
  });

  it('a state from a run older than migrations (no migrationDate) waits as before', () => {
    expect(nextLifecycleTimer(base)).toEqual({ kind: 'RENEWAL', at: Date.parse('2027-02-01T00:00:00Z') });
  });
});
