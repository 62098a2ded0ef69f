import type { SubscriptionStatus } from './subscription';

export type CancellationTime = 'IMMEDIATE' | 'END_OF_BILLING_PERIOD' | 'SPECIFIC_DATE';
export type CancellationRequest = { subscriptionCancellationTime: CancellationTime; endDate?: Date; prorate?: boolean };
type CancelledSubscription = { status: SubscriptionStatus; live: boolean; trialEndDate: Date | null; currentBillingPeriodEnd: Date | null };

// When a cancellation takes effect: now (null) or a later date; or which field makes it impossible. A subscription
// that is not live yet (waiting for checkout, scheduled) is cancelled now whatever the time asked, as it bills nothing.
// The period a trial is in ends with the trial; a subscription without billing periods (a free plan) ends now.
export function cancellationDateOf(request: CancellationRequest, subscription: CancelledSubscription, now: Date): { at: Date | null } | { problem: { field: string; message: string } } {
  const { subscriptionCancellationTime: time, endDate } = request;
  if (time !== 'SPECIFIC_DATE' && time !== 'END_OF_BILLING_PERIOD' && endDate !== undefined) {
    return { problem: { field: 'endDate', message: 'endDate is only for SPECIFIC_DATE (or, no later than the period end, END_OF_BILLING_PERIOD)' } };
  }
  if (time === 'SPECIFIC_DATE' && endDate === undefined) return { problem: { field: 'endDate', message: 'SPECIFIC_DATE needs an endDate' } };
  if (endDate !== undefined && endDate.getTime() <= now.getTime()) return { problem: { field: 'endDate', message: `must be in the future (it is ${now.toISOString()} now)` } };
  if (request.prorate !== undefined && time === 'END_OF_BILLING_PERIOD') {
    return { problem: { field: 'prorate', message: 'nothing is left to prorate at the end of the billing period' } };
  }
  if (time === 'IMMEDIATE' || !subscription.live) return { at: null };
  if (time === 'SPECIFIC_DATE') return { at: endDate! };
  const periodEnd = subscription.status === 'IN_TRIAL' ? subscription.trialEndDate : subscription.currentBillingPeriodEnd;
  if (periodEnd === null) return endDate ? { at: endDate } : { at: null };
  if (endDate !== undefined && endDate.getTime() > periodEnd.getTime()) {
    return { problem: { field: 'endDate', message: `is after the end of the billing period (${periodEnd.toISOString()}): use SPECIFIC_DATE` } };
  }
  return { at: endDate ?? periodEnd };
}
