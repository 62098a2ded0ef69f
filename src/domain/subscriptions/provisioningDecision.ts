import type { LiveSlot, SubscriptionStatus } from './subscription';
import { trialEnd } from './trialEnd';

export type LiveSubscription = { id: string; planId: string; slot: LiveSlot };

export type ProvisioningFacts = {
  plan: { id: string; pricingType: 'FREE' | 'PAID' | 'CUSTOM'; trial?: { duration: number; unit: 'DAY' | 'MONTH' } };
  skipTrial: boolean;
  requestedStart: Date | null;
  now: Date;
  // The live subscriptions of the same customer, product and resource.
  live: LiveSubscription[];
  trialUsed: boolean;
  billing: 'none' | 'provider';
  hasPaymentMethod: boolean;
};

// NONE: Tollgate only (no provider, a free or custom plan, or a trial without a payment method, which the
// provider learns of only when it converts); SUBSCRIBE: a provider subscription now; CHECKOUT: hosted checkout first.
export type Payment = 'NONE' | 'SUBSCRIBE' | 'CHECKOUT';

export type ProvisioningRefusal = {
  status: 409 | 422;
  code: 'CHECKOUT_PENDING' | 'START_ALREADY_SCHEDULED' | 'PAYMENT_METHOD_REQUIRED';
  message: string;
  subscriptionId?: string;
};

export type ProvisioningDecision = {
  trial: boolean;
  status: SubscriptionStatus;
  slot: LiveSlot;
  startDate: Date;
  trialEndDate: Date | null;
  payment: Payment;
  scheduled: boolean;
};

// The seed's provisioning rules for one (customer, product, resource); `replacedWhenStarting` says what ends.
export function decideProvisioning(facts: ProvisioningFacts): { refused: ProvisioningRefusal } | { decision: ProvisioningDecision } {
  const { plan, live } = facts;
  const waiting = live.find((s) => s.slot === 'CHECKOUT');
  if (waiting) {
    return { refused: { status: 409, code: 'CHECKOUT_PENDING', subscriptionId: waiting.id, message: `subscription "${waiting.id}" is waiting for checkout on this product; complete or cancel it first` } };
  }
  const scheduled = facts.requestedStart !== null && facts.requestedStart.getTime() > facts.now.getTime();
  const alreadyScheduled = live.find((s) => s.slot === 'SCHEDULED');
  if (scheduled && alreadyScheduled) {
    return { refused: { status: 409, code: 'START_ALREADY_SCHEDULED', subscriptionId: alreadyScheduled.id, message: `subscription "${alreadyScheduled.id}" is already scheduled to start on this product; cancel it first` } };
  }
  const trial = plan.pricingType === 'PAID' && plan.trial !== undefined && !facts.skipTrial && grantsTrial(plan.id, facts.trialUsed, live);
  const billed = facts.billing === 'provider' && plan.pricingType === 'PAID';
  const payment: Payment = !billed ? 'NONE' : facts.hasPaymentMethod ? 'SUBSCRIBE' : trial ? 'NONE' : 'CHECKOUT';
  if (scheduled && payment === 'CHECKOUT') {
    return { refused: { status: 422, code: 'PAYMENT_METHOD_REQUIRED', message: 'a paid subscription that starts later needs a payment method on file: set the customer\'s billingInfo.paymentMethodId first' } };
  }
  const startDate = facts.requestedStart ?? facts.now;
  const status: SubscriptionStatus = scheduled ? 'NOT_STARTED' : payment === 'CHECKOUT' ? 'PAYMENT_PENDING' : trial ? 'IN_TRIAL' : 'ACTIVE';
  const slot: LiveSlot = scheduled ? 'SCHEDULED' : payment === 'CHECKOUT' ? 'CHECKOUT' : trial ? 'TRIAL' : 'PAID';
  return { decision: { trial, status, slot, startDate, trialEndDate: trial ? trialEnd(startDate, plan.trial!) : null, payment, scheduled } };
}

// What a subscription ends when it starts: a non-trial one replaces the live non-trial one and converts a trial of
// its own plan; a trial runs beside whatever is paid. Decided again at the moment it starts, from what is live then.
export function replacedWhenStarting(starting: { id: string; planId: string; trial: boolean }, live: LiveSubscription[]): LiveSubscription[] {
  if (starting.trial) return live.filter((s) => s.id !== starting.id && s.slot === 'TRIAL');
  return live.filter((s) => s.id !== starting.id && (s.slot === 'PAID' || (s.slot === 'TRIAL' && s.planId === starting.planId)));
}

// Whether a trial of the plan may start now, given what is live: the product's trial unused, no trial of the
// plan running (subscribing to it is the trial-to-paid upgrade), and no paid subscription of the plan already.
// Asked again when a scheduled subscription starts: much can change before its start date.
export function grantsTrial(planId: string, trialUsed: boolean, live: LiveSubscription[]): boolean {
  return !trialUsed && !live.some((s) => (s.slot === 'TRIAL' || s.slot === 'PAID') && s.planId === planId);
}
