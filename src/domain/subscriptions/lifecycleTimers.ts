import type { SubscriptionStatus } from './subscription';

// What a live subscription's workflow waits for on its own clock, as plain JSON (it travels through workflow history).
export type LifecycleState = {
  status: SubscriptionStatus;
  billingId: string | null;
  pricingType: 'FREE' | 'PAID' | 'CUSTOM';
  trialEndDate: string | null;
  currentBillingPeriodEnd: string | null;
  // A scheduled cancellation (END_OF_BILLING_PERIOD or SPECIFIC_DATE), until it happens or is undone.
  cancellationDate: string | null;
  gracePeriodEnd: string | null;
  // A migration to the latest plan and add-on versions scheduled for then (absent in states of older runs).
  migrationDate?: string | null;
};

export type LifecycleTimerKind = 'CANCELLATION' | 'MIGRATION' | 'TRIAL_END' | 'GRACE_END' | 'RENEWAL' | 'PROVIDER_CHECK';
export type LifecycleTimer = { kind: LifecycleTimerKind; at: number };

// With a provider, renewals arrive as webhooks; this long after a period should have renewed, the workflow asks.
export const PROVIDER_CHECK_DELAY_MS = 60 * 60_000;

// The next thing due on this subscription's own clock, earliest first (a cancellation wins a tie: nothing renews
// on the day it ends; a migration comes before the period it prices renews). Without a provider the workflow renews periods itself; with one it only checks late ones.
export function nextLifecycleTimer(state: LifecycleState): LifecycleTimer | null {
  const due: LifecycleTimer[] = [];
  const at = (iso: string | null) => (iso === null ? null : new Date(iso).getTime());
  const cancellation = at(state.cancellationDate);
  if (cancellation !== null) due.push({ kind: 'CANCELLATION', at: cancellation });
  const migration = at(state.migrationDate ?? null);
  if (migration !== null) due.push({ kind: 'MIGRATION', at: migration });
  const trialEnd = at(state.trialEndDate);
  if (state.status === 'IN_TRIAL' && trialEnd !== null) due.push({ kind: 'TRIAL_END', at: trialEnd });
  const graceEnd = at(state.gracePeriodEnd);
  if (state.status === 'PAYMENT_PENDING' && graceEnd !== null) due.push({ kind: 'GRACE_END', at: graceEnd });
  const periodEnd = at(state.currentBillingPeriodEnd);
  if (state.status === 'ACTIVE' && state.pricingType === 'PAID' && periodEnd !== null) {
    due.push(state.billingId === null ? { kind: 'RENEWAL', at: periodEnd } : { kind: 'PROVIDER_CHECK', at: periodEnd + PROVIDER_CHECK_DELAY_MS });
  }
  const order: LifecycleTimerKind[] = ['CANCELLATION', 'MIGRATION', 'TRIAL_END', 'GRACE_END', 'RENEWAL', 'PROVIDER_CHECK'];
  due.sort((a, b) => a.at - b.at || order.indexOf(a.kind) - order.indexOf(b.kind));
  return due[0] ?? null;
}
