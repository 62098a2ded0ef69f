import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decideProvisioning, replacedWhenStarting, type LiveSubscription, type ProvisioningFacts } from '../../src/domain/subscriptions/provisioningDecision';
import type { LiveSlot } from '../../src/domain/subscriptions/subscription';

// The seed's provisioning rules (provisionSubscription, trials, resourceId), one row per rule. Every row is one
// (customer, product, resource): `live` is what already runs there.
const NOW = new Date('2026-03-10T12:00:00.000Z');
const LATER = new Date('2026-04-01T00:00:00.000Z');
const days = (from: Date, count: number) => new Date(from.getTime() + count * 86_400_000);

const PRO = { id: 'plan-pro', pricingType: 'PAID' as const, trial: { duration: 14, unit: 'DAY' as const } };
const BASIC = { id: 'plan-basic', pricingType: 'PAID' as const };
const FREE = { id: 'plan-free', pricingType: 'FREE' as const };
const CUSTOM = { id: 'plan-enterprise', pricingType: 'CUSTOM' as const };

const live = (id: string, planId: string, slot: LiveSlot): LiveSubscription => ({ id, planId, slot });
const facts = (change: Partial<ProvisioningFacts>): ProvisioningFacts => ({
  plan: PRO,
  skipTrial: false,
  requestedStart: null,
  now: NOW,
  live: [],
  trialUsed: false,
  billing: 'provider',
  hasPaymentMethod: false,
  ...change,
});

type Expected = { trial: boolean; status: string; slot: LiveSlot; payment: 'NONE' | 'SUBSCRIBE' | 'CHECKOUT'; startDate?: Date; trialEndDate?: Date | null };

const decisions: [string, Partial<ProvisioningFacts>, Expected][] = [
  // A plan's trial is granted once per customer and product, and needs no payment method.
  ['first subscription to a plan with a trial: a trial, nothing to pay yet', {}, { trial: true, status: 'IN_TRIAL', slot: 'TRIAL', payment: 'NONE', trialEndDate: days(NOW, 14) }],
  ['a trial with a payment method on file: the provider subscription carries the trial', { hasPaymentMethod: true }, { trial: true, status: 'IN_TRIAL', slot: 'TRIAL', payment: 'SUBSCRIBE', trialEndDate: days(NOW, 14) }],
  ['a trial without billing integration', { billing: 'none' }, { trial: true, status: 'IN_TRIAL', slot: 'TRIAL', payment: 'NONE' }],
  ['the trial already used on this product: paid at once, through checkout', { trialUsed: true }, { trial: false, status: 'PAYMENT_PENDING', slot: 'CHECKOUT', payment: 'CHECKOUT', trialEndDate: null }],
  ['skipTrial: paid at once, through checkout', { skipTrial: true }, { trial: false, status: 'PAYMENT_PENDING', slot: 'CHECKOUT', payment: 'CHECKOUT', trialEndDate: null }],
  ['skipTrial with a payment method on file: a provider subscription now', { skipTrial: true, hasPaymentMethod: true }, { trial: false, status: 'ACTIVE', slot: 'PAID', payment: 'SUBSCRIBE' }],
  ['a paid plan without a trial, no payment method: checkout', { plan: BASIC }, { trial: false, status: 'PAYMENT_PENDING', slot: 'CHECKOUT', payment: 'CHECKOUT' }],
  ['a paid plan, no billing integration: created at once', { plan: BASIC, billing: 'none' }, { trial: false, status: 'ACTIVE', slot: 'PAID', payment: 'NONE' }],
  ['a free plan with billing integration: created at once', { plan: FREE }, { trial: false, status: 'ACTIVE', slot: 'PAID', payment: 'NONE' }],
  ['a custom plan: created at once, the provider is not involved', { plan: CUSTOM, hasPaymentMethod: true }, { trial: false, status: 'ACTIVE', slot: 'PAID', payment: 'NONE' }],
  // A trial of plan X may run beside a non-trial subscription of another plan of the same product.
  ['a trial of pro beside a paid basic', { live: [live('sub-basic', 'plan-basic', 'PAID')] }, { trial: true, status: 'IN_TRIAL', slot: 'TRIAL', payment: 'NONE' }],
  // Subscribing to the plan in trial converts it to a paid, non-trial subscription.
  ['the plan in trial again: converts it, paid', { live: [live('sub-trial', 'plan-pro', 'TRIAL')], trialUsed: true, hasPaymentMethod: true }, { trial: false, status: 'ACTIVE', slot: 'PAID', payment: 'SUBSCRIBE' }],
  ['the plan in trial again, even were the trial record missing: still a conversion, not a second trial', { live: [live('sub-trial', 'plan-pro', 'TRIAL')], hasPaymentMethod: true }, { trial: false, status: 'ACTIVE', slot: 'PAID', payment: 'SUBSCRIBE' }],
  ['converting the trial without a payment method: checkout', { live: [live('sub-trial', 'plan-pro', 'TRIAL')], trialUsed: true }, { trial: false, status: 'PAYMENT_PENDING', slot: 'CHECKOUT', payment: 'CHECKOUT' }],
  ['the plan already paid for: no trial of it', { live: [live('sub-paid', 'plan-pro', 'PAID')], hasPaymentMethod: true }, { trial: false, status: 'ACTIVE', slot: 'PAID', payment: 'SUBSCRIBE' }],
  ['a trial of another plan in progress does not block a trial-less paid plan', { plan: BASIC, live: [live('sub-trial', 'plan-pro', 'TRIAL')], trialUsed: true, hasPaymentMethod: true }, { trial: false, status: 'ACTIVE', slot: 'PAID', payment: 'SUBSCRIBE' }],
  // startDate in the future: NOT_STARTED until a durable timer starts it.
  ['a future start with a payment method', { plan: BASIC, requestedStart: LATER, hasPaymentMethod: true }, { trial: false, status: 'NOT_STARTED', slot: 'SCHEDULED', payment: 'SUBSCRIBE', startDate: LATER }],
  ['a future start without billing', { plan: BASIC, requestedStart: LATER, billing: 'none' }, { trial: false, status: 'NOT_STARTED', slot: 'SCHEDULED', payment: 'NONE', startDate: LATER }],
  ['a future trial: its end counts from the start date', { requestedStart: LATER }, { trial: true, status: 'NOT_STARTED', slot: 'SCHEDULED', payment: 'NONE', startDate: LATER, trialEndDate: days(LATER, 14) }],
  ['a future free plan', { plan: FREE, requestedStart: LATER }, { trial: false, status: 'NOT_STARTED', slot: 'SCHEDULED', payment: 'NONE', startDate: LATER }],
  ['a start date equal to now starts at once', { plan: BASIC, requestedStart: NOW, billing: 'none' }, { trial: false, status: 'ACTIVE', slot: 'PAID', payment: 'NONE', startDate: NOW }],
  ['a start date in the past starts at once, dated as asked (the trial counts from it)', { requestedStart: days(NOW, -3) }, { trial: true, status: 'IN_TRIAL', slot: 'TRIAL', payment: 'NONE', startDate: days(NOW, -3), trialEndDate: days(NOW, 11) }],
  ['an immediate start beside a scheduled one: the scheduled one keeps its date', { plan: BASIC, billing: 'none', live: [live('sub-later', 'plan-pro', 'SCHEDULED')] }, { trial: false, status: 'ACTIVE', slot: 'PAID', payment: 'NONE' }],
  ['a monthly trial ends on the same day a month later, clamped to the month end', { plan: { ...PRO, trial: { duration: 1, unit: 'MONTH' } }, now: new Date('2027-01-31T08:30:00Z') }, { trial: true, status: 'IN_TRIAL', slot: 'TRIAL', payment: 'NONE', trialEndDate: new Date('2027-02-28T08:30:00Z') }],
];

describe('decideProvisioning', () => {
  it.each(decisions)('%s', (_rule, change, expected) => {
    const decided = decideProvisioning(facts(change));
    if (!('decision' in decided)) throw new Error(`refused: ${JSON.stringify(decided.refused)}`);
    const { decision } = decided;
    expect({ trial: decision.trial, status: decision.status, slot: decision.slot, payment: decision.payment }).toEqual({
      trial: expected.trial,
      status: expected.status,
      slot: expected.slot,
      payment: expected.payment,
    });
    expect(decision.scheduled).toBe(expected.status === 'NOT_STARTED');
    expect(decision.startDate).toEqual(expected.startDate ?? facts(change).requestedStart ?? facts(change).now);
    if (expected.trialEndDate !== undefined) expect(decision.trialEndDate).toEqual(expected.trialEndDate);
    if (!expected.trial) expect(decision.trialEndDate).toBeNull();
  });

  const refusals: [string, Partial<ProvisioningFacts>, { status: number; code: string; subscriptionId?: string }][] = [
    ['a checkout already waiting on the product', { plan: BASIC, hasPaymentMethod: true, live: [live('sub-waiting', 'plan-basic', 'CHECKOUT')] }, { status: 409, code: 'CHECKOUT_PENDING', subscriptionId: 'sub-waiting' }],
    ['a checkout waiting blocks even a free plan', { plan: FREE, live: [live('sub-waiting', 'plan-pro', 'CHECKOUT')] }, { status: 409, code: 'CHECKOUT_PENDING', subscriptionId: 'sub-waiting' }],
    ['a second future start on the product', { plan: BASIC, billing: 'none', requestedStart: LATER, live: [live('sub-later', 'plan-pro', 'SCHEDULED')] }, { status: 409, code: 'START_ALREADY_SCHEDULED', subscriptionId: 'sub-later' }],
    ['a paid future start without a payment method (nobody would be there to pay at checkout)', { plan: BASIC, requestedStart: LATER }, { status: 422, code: 'PAYMENT_METHOD_REQUIRED' }],
    ['a paid future start whose trial is used, without a payment method', { requestedStart: LATER, trialUsed: true }, { status: 422, code: 'PAYMENT_METHOD_REQUIRED' }],
  ];
  it.each(refusals)('refuses %s', (_rule, change, expected) => {
    const decided = decideProvisioning(facts(change));
    if (!('refused' in decided)) throw new Error(`decided: ${JSON.stringify(decided.decision)}`);
    expect(decided.refused).toMatchObject(expected);
    expect(decided.refused.message).not.toBe('');
    if (!expected.subscriptionId) expect(decided.refused.subscriptionId).toBeUndefined();
  });
});

describe('replacedWhenStarting', () => {
  const basicPaid = live('sub-basic', 'plan-basic', 'PAID');
  const proTrial = live('sub-pro-trial', 'plan-pro', 'TRIAL');
  const waiting = live('sub-waiting', 'plan-pro', 'CHECKOUT');
  const scheduled = live('sub-later', 'plan-basic', 'SCHEDULED');
  const cases: [string, { id: string; planId: string; trial: boolean }, LiveSubscription[], string[]][] = [
    ['a paid subscription replaces the live paid one', { id: 'new', planId: 'plan-pro', trial: false }, [basicPaid], ['sub-basic']],
    ['a trial runs beside what is paid', { id: 'new', planId: 'plan-pro', trial: true }, [basicPaid], []],
    ['a trial replaces an earlier trial (one trial at a time)', { id: 'new', planId: 'plan-team', trial: true }, [basicPaid, proTrial], ['sub-pro-trial']],
    ['paying for the plan in trial converts the trial and replaces the paid one', { id: 'new', planId: 'plan-pro', trial: false }, [basicPaid, proTrial], ['sub-basic', 'sub-pro-trial']],
    ['a paid plan other than the one in trial leaves the trial running', { id: 'new', planId: 'plan-basic', trial: false }, [live('sub-pro-paid', 'plan-pro', 'PAID'), proTrial], ['sub-pro-paid']],
    ['a waiting checkout and a scheduled start are not ended by another start', { id: 'new', planId: 'plan-basic', trial: false }, [waiting, scheduled], []],
    ['a scheduled subscription starting does not end itself', { id: 'sub-later', planId: 'plan-basic', trial: false }, [basicPaid, scheduled], ['sub-basic']],
    ['a completed checkout does not end itself', { id: 'sub-waiting', planId: 'plan-pro', trial: false }, [basicPaid, proTrial, waiting], ['sub-basic', 'sub-pro-trial']],
    ['a scheduled trial starting does not end itself', { id: 'sub-later', planId: 'plan-pro', trial: true }, [live('sub-later', 'plan-pro', 'SCHEDULED'), basicPaid], []],
    // A start retried after it already took its place (an activity retry) finds itself live.
    ['a retried trial start does not end itself', { id: 'new', planId: 'plan-pro', trial: true }, [basicPaid, live('new', 'plan-pro', 'TRIAL')], []],
    ['a retried paid start does not end itself', { id: 'new', planId: 'plan-pro', trial: false }, [live('new', 'plan-pro', 'PAID'), proTrial], ['sub-pro-trial']],
    ['nothing live: nothing ends', { id: 'new', planId: 'plan-pro', trial: false }, [], []],
  ];
  it.each(cases)('%s', (_rule, starting, liveNow, expectedIds) => {
    expect(replacedWhenStarting(starting, liveNow).map((s) => s.id).sort()).toEqual([...expectedIds].sort());
  });

  // What is live on one (customer, product, resource): at most one subscription per slot (the database's rule).
  const SLOTS: LiveSlot[] = ['PAID', 'TRIAL', 'CHECKOUT', 'SCHEDULED'];
  const plans = fc.constantFrom('plan-a', 'plan-b', 'plan-c');
  const liveScope = fc
    .record({ PAID: fc.option(plans), TRIAL: fc.option(plans), CHECKOUT: fc.option(plans), SCHEDULED: fc.option(plans) })
    .map((bySlot) => SLOTS.flatMap((slot) => (bySlot[slot] === null ? [] : [live(`sub-${slot}`, bySlot[slot]!, slot)])));
  // The starting subscription is new, or one of the live ones leaving CHECKOUT or SCHEDULED.
  const scenario = liveScope.chain((liveNow) =>
    fc.record({
      liveNow: fc.constant(liveNow),
      starting: fc.record({
        id: fc.constantFrom('new', ...liveNow.filter((s) => s.slot === 'CHECKOUT' || s.slot === 'SCHEDULED').map((s) => s.id)),
        planId: plans,
        trial: fc.boolean(),
      }),
    }),
  );

  it('never leaves two subscriptions in one slot once the starting one takes its place', () => {
    fc.assert(
      fc.property(scenario, ({ liveNow, starting }) => {
        const replaced = new Set(replacedWhenStarting(starting, liveNow).map((s) => s.id));
        const after = liveNow.filter((s) => s.id !== starting.id && !replaced.has(s.id)).map((s) => s.slot);
        after.push(starting.trial ? 'TRIAL' : 'PAID');
        expect(new Set(after).size).toBe(after.length);
      }),
    );
  });

  it('ends only what the seed allows: never itself, never a checkout or a scheduled start, a trial only when trial or same plan', () => {
    fc.assert(
      fc.property(scenario, ({ liveNow, starting }) => {
        for (const ended of replacedWhenStarting(starting, liveNow)) {
          expect(liveNow).toContainEqual(ended);
          expect(ended.id).not.toBe(starting.id);
          expect(['PAID', 'TRIAL']).toContain(ended.slot);
          if (starting.trial) expect(ended.slot).toBe('TRIAL');
          if (ended.slot === 'TRIAL' && !starting.trial) expect(ended.planId).toBe(starting.planId);
        }
      }),
    );
  });
});
