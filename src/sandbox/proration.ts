// Proration as Stripe's "Prorations" guide documents it (https://docs.stripe.com/billing/subscriptions/prorations):
// "Stripe calculates proration down to the second based on the starting timestamp of the billing period and the timestamp
// of the proration's triggering event": a credit for the unused time of each old item/quantity and a debit for the
// remaining time of each new one, each its own invoice item.
import { lineAmount } from './amounts';
import type { SandboxObject } from './params';

export interface ItemState {
  /** The subscription item (si_…) the line belongs to. */
  itemId: string;
  price: SandboxObject;
  quantity: number;
}

export interface ProrationLine {
  itemId: string;
  price: SandboxObject;
  quantity: number;
  /** Negative for the credit of unused time, positive for the debit of remaining time. */
  amount: number;
  kind: 'credit' | 'debit';
  period: { start: number; end: number };
}

export interface ProrationWindow {
  periodStart: number;
  periodEnd: number;
  /** When the change counts as made (`proration_date`, default now); unix seconds. */
  prorationDate: number;
}

/**
 * amount = full-period amount (price × quantity, tiers included) × remaining seconds / period seconds.
 * Each proration is its own invoice item in the currency's smallest unit, so each line is rounded on its own, to the
 * nearest unit, halves away from zero: a credit and a debit of the same item and quantity then cancel exactly.
 */
export function proratedAmount(fullAmount: number, window: ProrationWindow): number {
  const period = window.periodEnd - window.periodStart;
  const remaining = window.periodEnd - window.prorationDate;
  if (period <= 0 || remaining <= 0) return 0;
  const exact = (fullAmount * remaining) / period;
  const rounded = Math.sign(exact) * Math.round(Math.abs(exact));
  return rounded === 0 ? 0 : rounded; // never -0
}

const sameLine = (a: ItemState, b: ItemState): boolean => a.price.id === b.price.id && a.quantity === b.quantity;

/**
 * The proration lines for moving from `before` to `after` (matched by item id): an item whose price or quantity changed
 * gets a credit for its old state and a debit for its new one; a removed item only the credit; an added item only the
 * debit; an unchanged item nothing.
 */
export function prorationLines(before: readonly ItemState[], after: readonly ItemState[], window: ProrationWindow): ProrationLine[] {
  const period = { start: window.prorationDate, end: window.periodEnd };
  const lines: ProrationLine[] = [];
  const line = (state: ItemState, kind: 'credit' | 'debit'): ProrationLine => {
    const full = lineAmount(state.price, state.quantity);
    return { ...state, amount: proratedAmount(kind === 'credit' ? -full : full, window), kind, period };
  };
  for (const old of before) {
    const next = after.find((item) => item.itemId === old.itemId);
    if (next && sameLine(old, next)) continue;
    lines.push(line(old, 'credit'));
    if (next) lines.push(line(next, 'debit'));
  }
  for (const added of after) {
    if (!before.some((item) => item.itemId === added.itemId)) lines.push(line(added, 'debit'));
  }
  return lines.filter((l) => l.quantity > 0);
}
