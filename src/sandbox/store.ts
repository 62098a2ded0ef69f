// The sandbox's collections in one place, so the server, reset() and the state file agree on what exists.
import type { Store, StoredObject } from './params';

/** Every map of the store, in the order the state file lists them. */
export const COLLECTIONS = [
  'customers', 'products', 'prices', 'paymentMethods', 'taxIds', 'taxRates', 'coupons', 'promotionCodes', 'discounts',
  'subscriptions', 'invoices', 'invoiceItems', 'scheduledDeclines', 'checkoutSessions', 'events',
] as const satisfies ReadonlyArray<keyof Store>;
export type CollectionName = (typeof COLLECTIONS)[number];

export interface StoreHooks {
  nowSeconds(): number;
  onEvent(event: StoredObject): void;
  countWebhookEndpoints(): number;
}

export function createStore(hooks: StoreHooks): Store {
  return {
    customers: new Map(), products: new Map(), prices: new Map(), paymentMethods: new Map(), taxIds: new Map(), taxRates: new Map(),
    coupons: new Map(), promotionCodes: new Map(), discounts: new Map(), subscriptions: new Map(), invoices: new Map(), invoiceItems: new Map(), scheduledDeclines: new Map(),
    checkoutSessions: new Map(), events: new Map(),
    nowSeconds: hooks.nowSeconds, onEvent: hooks.onEvent, countWebhookEndpoints: hooks.countWebhookEndpoints,
  };
}

export function clearStore(store: Store): void {
  for (const name of COLLECTIONS) store[name].clear();
}
