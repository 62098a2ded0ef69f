// What an items change does to a subscription, shared by the update (POST /v1/subscriptions/:id) and its preview
// (POST /v1/invoices/create_preview), so a preview with the same proration_date shows exactly what the update charges.
import { lineAmount } from './amounts';
import type { FormObject } from './form';
import type { InvoiceLineInput } from './invoices';
import { applyMetadata, bool, hashList, int, invalid, nonEmpty, only, oneOf, type SandboxObject, type Store } from './params';
import { prorationLines, type ProrationLine } from './proration';
import { itemsOf } from './subscriptionEnd';
import { checkItemPrices, periodEnd, subscriptionItem } from './subscriptionModel';

export type ProrationBehavior = 'always_invoice' | 'create_prorations' | 'none';

export interface PlannedChange {
  /** The subscription's items after the change (new items get new si_ ids). */
  items: Array<Record<string, unknown> & { id: string; price: SandboxObject; quantity: number }>;
  /** Credits and debits to bill (empty with proration_behavior=none or during a trial). */
  prorations: ProrationLine[];
  /** A billing-period change or billing_cycle_anchor=now: a new period starts at `prorationDate`, invoiced at once. */
  cycleReset: boolean;
  /** The current period, or the new one after a cycle reset. */
  period: { start: number; end: number };
  prorationDate: number;
  behavior: ProrationBehavior;
  /** With a cycle reset: the new period's lines at full price. */
  cycleLines: InvoiceLineInput[];
}

export interface ChangeOptions {
  /** Where the params sit: '' for an update, 'subscription_details' for a preview. */
  at: string;
  prorationDate?: number;
  behavior?: ProrationBehavior;
  anchorNow: boolean;
}

const name = (at: string, key: string): string => (at ? `${at}[${key}]` : key);

/** Reads `proration_behavior`, `proration_date` and `billing_cycle_anchor` the way the update and the preview both take them. */
export function changeOptions(store: Store, body: FormObject, at: string): ChangeOptions {
  const behavior = oneOf(body, 'proration_behavior', ['always_invoice', 'create_prorations', 'none'], at || undefined);
  const prorationDate = int(body, 'proration_date', at || undefined);
  if (prorationDate !== undefined && prorationDate > store.nowSeconds()) {
    throw invalid('proration_date cannot be in the future.', { param: name(at, 'proration_date') });
  }
  // This API version sends `billing_cycle_anchor[type]=now`; older ones (and stripe-mock's spec) the bare `billing_cycle_anchor=now`.
  const raw = body.billing_cycle_anchor;
  const anchorAt = name(at, 'billing_cycle_anchor');
  let anchor: string | undefined;
  if (typeof raw === 'object' && !Array.isArray(raw)) {
    only(raw, ['type'], anchorAt);
    anchor = oneOf(raw, 'type', ['now', 'unchanged'], anchorAt);
  } else {
    anchor = oneOf(body, 'billing_cycle_anchor', ['now', 'unchanged'], at || undefined);
  }
  return { at, ...(behavior ? { behavior } : {}), ...(prorationDate !== undefined ? { prorationDate } : {}), anchorNow: anchor === 'now' };
}

type ItemRow = PlannedChange['items'][number];

function applyItemParams(store: Store, subscription: SandboxObject, list: FormObject[], at: string, now: number): ItemRow[] {
  const items: ItemRow[] = itemsOf(subscription).map((item) => ({ ...structuredClone(item) }) as unknown as ItemRow);
  const period = { start: Number(items[0]?.current_period_start), end: Number(items[0]?.current_period_end) };
  list.forEach((entry, i) => {
    const param = `${name(at, 'items')}[${i}]`;
    only(entry, ['deleted', 'id', 'metadata', 'price', 'quantity'], param, ['billing_thresholds', 'clear_usage', 'discounts', 'plan', 'price_data', 'tax_rates']);
    const id = nonEmpty(entry, 'id', param);
    const priceId = nonEmpty(entry, 'price', param);
    const price = priceId === undefined ? undefined : store.prices.get(priceId);
    if (priceId !== undefined && !price) throw invalid(`No such price: '${priceId}'`, { code: 'resource_missing', param: `${param}[price]` });
    const quantity = int(entry, 'quantity', param);
    if (quantity !== undefined && quantity < 0) throw invalid(`Invalid ${param}[quantity]: must be at least 0`, { param: `${param}[quantity]` });
    const index = id === undefined ? -1 : items.findIndex((item) => item.id === id);
    if (id !== undefined && index === -1) {
      throw invalid(`Invalid subscription item ${id}: it does not belong to subscription ${subscription.id}.`, { code: 'resource_missing', param: `${param}[id]` });
    }
    if (bool(entry, 'deleted', param) === true) {
      if (index === -1) throw invalid('Missing required param: id (an item to delete).', { code: 'parameter_missing', param: `${param}[id]` });
      items.splice(index, 1);
      return;
    }
    const existing = items[index];
    if (existing) {
      const nextPrice = price ?? existing.price;
      const fresh = subscriptionItem(String(subscription.id), { price: nextPrice, quantity: quantity ?? existing.quantity, metadata: applyMetadata(existing.metadata as Record<string, string>, entry) }, period, now);
      items[index] = { ...fresh, id: existing.id, created: existing.created } as unknown as ItemRow;
      return;
    }
    if (!price) throw invalid(`Missing required param: ${param}[price].`, { code: 'parameter_missing', param: `${param}[price]` });
    items.push(subscriptionItem(String(subscription.id), { price, quantity: quantity ?? 1, metadata: applyMetadata({}, entry) }, period, now) as unknown as ItemRow);
  });
  const prices = items.map((item) => item.price.id);
  if (new Set(prices).size !== prices.length) throw invalid('Cannot add multiple subscription items with the same price.', { param: name(at, 'items') });
  if (items.length === 0) throw invalid('A subscription must have at least one item.', { param: name(at, 'items') });
  return items;
}

/** What changing `subscription` with `itemsParam` and `options` does; nothing is stored. */
export function planChange(store: Store, subscription: SandboxObject, body: FormObject, options: ChangeOptions): PlannedChange {
  const now = store.nowSeconds();
  const current = itemsOf(subscription);
  const list = hashList(body, 'items', options.at || undefined) ?? [];
  const items = list.length > 0 ? applyItemParams(store, subscription, list, options.at, now) : current.map((item) => structuredClone(item) as unknown as ItemRow);
  const { recurring } = checkItemPrices(items.map((item, i) => ({ price: store.prices.get(item.price.id) ?? item.price, quantity: item.quantity, metadata: {}, param: `${name(options.at, 'items')}[${i}][price]` })), name(options.at, 'items'));
  const oldRecurring = current[0]?.price.recurring as { interval: string; interval_count: number };
  const period = { start: Number(current[0]?.current_period_start), end: Number(current[0]?.current_period_end) };
  const prorationDate = options.prorationDate ?? now;
  if (prorationDate < period.start) {
    throw invalid('proration_date must be within the current billing period.', { param: name(options.at, 'proration_date') });
  }
  const behavior = options.behavior ?? 'create_prorations';
  const intervalChanged = recurring.interval !== oldRecurring.interval || recurring.interval_count !== oldRecurring.interval_count;
  const cycleReset = intervalChanged || options.anchorNow;
  const trialing = subscription.status === 'trialing';
  if (trialing && cycleReset) throw invalid('the Stripe sandbox does not model a billing-cycle reset during a trial', { code: 'sandbox_unsupported', param: name(options.at, 'items') });
  const state = (rows: readonly { id: string; price: SandboxObject; quantity: number }[]): Array<{ itemId: string; price: SandboxObject; quantity: number }> =>
    rows.map((row) => ({ itemId: row.id, price: store.prices.get(row.price.id) ?? row.price, quantity: row.quantity }));
  const window = { periodStart: period.start, periodEnd: period.end, prorationDate };
  // A cycle reset credits the unused time of every old item and bills the new period in full instead of a remaining-time debit.
  const prorations = behavior === 'none' || trialing ? [] : cycleReset ? prorationLines(state(current), [], window) : prorationLines(state(current), state(items), window);
  const newPeriod = cycleReset ? { start: now, end: periodEnd(now, recurring) } : period;
  const placed = items.map((item) => ({ ...item, current_period_start: newPeriod.start, current_period_end: newPeriod.end }));
  const cycleLines = cycleReset
    ? state(items).map((row) => ({ subscriptionItem: row.itemId, price: row.price, quantity: row.quantity, amount: lineAmount(row.price, row.quantity) }))
    : [];
  return { items: placed, prorations, cycleReset, period: newPeriod, prorationDate, behavior, cycleLines };
}

/** The subscription with the planned items in place. */
export function withItems(subscription: SandboxObject, change: PlannedChange): SandboxObject {
  const items = subscription.items as Record<string, unknown>;
  return {
    ...subscription, items: { ...items, data: change.items, total_count: change.items.length },
    ...(change.cycleReset ? { billing_cycle_anchor: change.period.start } : {}),
  };
}
