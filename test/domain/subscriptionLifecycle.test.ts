import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { billingPeriodAt, billingPeriodNumber, nextBillingPeriod } from '../../src/domain/subscriptions/billingCycle';
import { cancellationDateOf } from '../../src/domain/subscriptions/cancellationTime';
import { nextLifecycleTimer, PROVIDER_CHECK_DELAY_MS, type LifecycleState } from '../../src/domain/subscriptions/lifecycleTimers';
import { changedFields, paramsAfterUpdate, updateSubscriptionSchema, type UpdatableFields } from '../../src/domain/subscriptions/subscriptionUpdate';

const at = (iso: string) => new Date(iso);

describe('billing cycle', () => {
  it('renews a Jan 31 anchor on the last day of short months and back on the 31st, as Stripe does', () => {
    const anchor = at('2027-01-31T10:00:00Z');
    const ends: string[] = [];
    let end = billingPeriodNumber(anchor, 'MONTHLY', 0).end;
    for (let i = 0; i < 4; i++) {
      ends.push(end.toISOString());
      end = nextBillingPeriod(anchor, 'MONTHLY', end).end;
    }
    expect(ends).toEqual(['2027-02-28T10:00:00.000Z', '2027-03-31T10:00:00.000Z', '2027-04-30T10:00:00.000Z', '2027-05-31T10:00:00.000Z']);
  });

  it('annual periods end on the anniversary (Feb 29 anchors end on Feb 28)', () => {
    expect(billingPeriodNumber(at('2028-02-29T00:00:00Z'), 'ANNUALLY', 0).end.toISOString()).toBe('2029-02-28T00:00:00.000Z');
    expect(billingPeriodNumber(at('2028-02-29T00:00:00Z'), 'ANNUALLY', 4).end.toISOString()).toBe('2033-02-28T00:00:00.000Z');
  });

  it('the period at any instant contains it and is a period of the cycle (property)', () => {
    fc.assert(
      fc.property(fc.date({ min: at('2000-01-01'), max: at('2090-01-01'), noInvalidDate: true }), fc.integer({ min: 0, max: 400 * 86_400_000 }), fc.constantFrom('MONTHLY' as const, 'ANNUALLY' as const), (anchor, offset, period) => {
        const instant = new Date(anchor.getTime() + offset);
        const found = billingPeriodAt(anchor, period, instant);
        expect(found.start.getTime()).toBeLessThanOrEqual(instant.getTime());
        expect(found.end.getTime()).toBeGreaterThan(instant.getTime());
        expect(nextBillingPeriod(anchor, period, found.start).start.getTime()).toBe(found.end.getTime() === found.start.getTime() ? found.end.getTime() : nextBillingPeriod(anchor, period, found.start).start.getTime());
        expect(nextBillingPeriod(anchor, period, found.end).start.getTime()).toBe(found.end.getTime());
      }),
    );
  });
});

describe('lifecycle timers', () => {
  const base: LifecycleState = { status: 'ACTIVE', billingId: null, pricingType: 'PAID', trialEndDate: null, currentBillingPeriodEnd: '2027-02-01T00:00:00.000Z', cancellationDate: null, gracePeriodEnd: null };

  it('renews on its own clock without a provider, and only checks a late renewal with one', () => {
    expect(nextLifecycleTimer(base)).toEqual({ kind: 'RENEWAL', at: Date.parse('2027-02-01T00:00:00Z') });
    expect(nextLifecycleTimer({ ...base, billingId: 'sub_1' })).toEqual({ kind: 'PROVIDER_CHECK', at: Date.parse('2027-02-01T00:00:00Z') + PROVIDER_CHECK_DELAY_MS });
    expect(nextLifecycleTimer({ ...base, pricingType: 'FREE' })).toBeNull();
  });

  it('a cancellation on the renewal date wins: nothing renews on the day it ends', () => {
    expect(nextLifecycleTimer({ ...base, cancellationDate: base.currentBillingPeriodEnd })).toMatchObject({ kind: 'CANCELLATION' });
  });

  it('a trial ends by its date, a failed payment by its grace period; the earliest comes first', () => {
    expect(nextLifecycleTimer({ ...base, status: 'IN_TRIAL', currentBillingPeriodEnd: null, trialEndDate: '2027-01-15T00:00:00.000Z' })).toMatchObject({ kind: 'TRIAL_END' });
    expect(nextLifecycleTimer({ ...base, status: 'PAYMENT_PENDING', gracePeriodEnd: '2027-01-08T00:00:00.000Z' })).toMatchObject({ kind: 'GRACE_END' });
    expect(nextLifecycleTimer({ ...base, cancellationDate: '2027-01-20T00:00:00.000Z' })).toMatchObject({ kind: 'CANCELLATION', at: Date.parse('2027-01-20T00:00:00Z') });
  });
});

describe('cancellation time', () => {
  const now = at('2027-01-10T00:00:00Z');
  const live = { status: 'ACTIVE' as const, live: true, trialEndDate: null, currentBillingPeriodEnd: at('2027-02-01T00:00:00Z') };

  it('IMMEDIATE is now; END_OF_BILLING_PERIOD the period end (the trial end in a trial); SPECIFIC_DATE its endDate', () => {
    expect(cancellationDateOf({ subscriptionCancellationTime: 'IMMEDIATE' }, live, now)).toEqual({ at: null });
    expect(cancellationDateOf({ subscriptionCancellationTime: 'END_OF_BILLING_PERIOD' }, live, now)).toEqual({ at: at('2027-02-01T00:00:00Z') });
    expect(cancellationDateOf({ subscriptionCancellationTime: 'END_OF_BILLING_PERIOD' }, { ...live, status: 'IN_TRIAL', trialEndDate: at('2027-01-20T00:00:00Z'), currentBillingPeriodEnd: null }, now)).toEqual({ at: at('2027-01-20T00:00:00Z') });
    expect(cancellationDateOf({ subscriptionCancellationTime: 'SPECIFIC_DATE', endDate: at('2027-03-01T00:00:00Z') }, live, now)).toEqual({ at: at('2027-03-01T00:00:00Z') });
  });

  it('a free plan (no period) and a subscription not live yet end now', () => {
    expect(cancellationDateOf({ subscriptionCancellationTime: 'END_OF_BILLING_PERIOD' }, { ...live, currentBillingPeriodEnd: null }, now)).toEqual({ at: null });
    expect(cancellationDateOf({ subscriptionCancellationTime: 'END_OF_BILLING_PERIOD' }, { ...live, live: false }, now)).toEqual({ at: null });
  });

  it('refuses, naming the field: SPECIFIC_DATE without endDate or in the past, endDate after the period end, prorate at period end', () => {
    const field = (request: Parameters<typeof cancellationDateOf>[0]) => {
      const decided = cancellationDateOf(request, live, now);
      return 'problem' in decided ? decided.problem.field : null;
    };
    expect(field({ subscriptionCancellationTime: 'SPECIFIC_DATE' })).toBe('endDate');
    expect(field({ subscriptionCancellationTime: 'SPECIFIC_DATE', endDate: at('2027-01-09T00:00:00Z') })).toBe('endDate');
    expect(field({ subscriptionCancellationTime: 'END_OF_BILLING_PERIOD', endDate: at('2027-02-02T00:00:00Z') })).toBe('endDate');
    expect(field({ subscriptionCancellationTime: 'END_OF_BILLING_PERIOD', prorate: true })).toBe('prorate');
    expect(field({ subscriptionCancellationTime: 'IMMEDIATE', endDate: at('2027-02-02T00:00:00Z') })).toBe('endDate');
  });
});

describe('subscription update', () => {
  const current: UpdatableFields = {
    planId: 'plan-pro',
    resourceId: null,
    billingCountryCode: null,
    billingPeriod: 'MONTHLY',
    billableFeatures: [{ featureId: 'feature-seats', quantity: 3 }],
    addons: [{ addonId: 'addon-a', quantity: 1 }, { addonId: 'addon-b', quantity: 2 }],
    promotionCode: null,
    metadata: { team: 'x' },
  };

  it('keeps what the update leaves out, and takes the full add-on list it gives', () => {
    expect(paramsAfterUpdate(current, { unitQuantity: 5 })).toEqual({ planId: 'plan-pro', billingPeriod: 'MONTHLY', unitQuantity: 5, addons: current.addons });
    expect(paramsAfterUpdate(current, { addons: [] })).toMatchObject({ billableFeatures: current.billableFeatures, addons: [] });
  });

  it('sees no change in the same lists in another order (a no-op), and every real change by field', () => {
    const reordered = { ...current, addons: [...current.addons].reverse() };
    expect(changedFields(current, reordered)).toEqual({});
    expect(Object.keys(changedFields(current, { ...current, billingPeriod: 'ANNUALLY', metadata: {} }))).toEqual(['billingPeriod', 'metadata']);
  });

  it('refuses unknown fields and any cancellationDate but null', () => {
    expect(updateSubscriptionSchema.safeParse({ planId: 'plan-free' }).success).toBe(false);
    expect(updateSubscriptionSchema.safeParse({ cancellationDate: '2027-01-01' }).success).toBe(false);
    expect(updateSubscriptionSchema.safeParse({ cancellationDate: null }).success).toBe(true);
  });
});
