// /v1/invoiceitems: the proration items subscription changes make. Pending ones (`invoice: null`) wait for the
// subscription's next invoice, as Stripe's create_prorations leaves them.
import { recordEvent } from './events';
import type { InvoiceLineInput } from './invoices';
import { bool, newId, noSuch, only, paginate, str, type RequestInfo, type Route, type RouteContext, type SandboxObject, type Store } from './params';
import type { ProrationLine } from './proration';

const itemPrice = (store: Store, item: SandboxObject): SandboxObject => {
  const priceId = (item.pricing as { price_details: { price: string } }).price_details.price;
  const price = store.prices.get(priceId);
  if (!price) throw new Error(`invoice item ${item.id} names an unknown price ${priceId}`);
  return price;
};

/** Invoice item objects for proration lines, not stored: a preview shows them, an update stores them. */
export function prorationItems(store: Store, subscription: SandboxObject, lines: readonly ProrationLine[]): SandboxObject[] {
  const now = store.nowSeconds();
  return lines.map((line) => ({
    id: newId('ii', 24), object: 'invoiceitem', amount: line.amount, currency: subscription.currency, customer: subscription.customer,
    customer_account: null, date: now, description: null, discountable: false, discounts: [], invoice: null, livemode: false, metadata: {},
    net_amount: line.amount,
    parent: { subscription_details: { subscription: subscription.id, subscription_item: line.itemId }, type: 'subscription_details' },
    period: { ...line.period },
    pricing: { price_details: { price: line.price.id, product: line.price.product }, type: 'price_details', unit_amount_decimal: line.price.unit_amount_decimal ?? null },
    proration: true, proration_details: { discount_amounts: [] }, quantity: line.quantity, sandbox_kind: line.kind, tax_rates: [], test_clock: null,
    created: now,
  }));
}

/** Stores items as pending on the customer, with Stripe's invoiceitem.created events. */
export function storePendingItems(store: Store, request: RequestInfo, items: readonly SandboxObject[]): void {
  for (const item of items) {
    store.invoiceItems.set(item.id, item);
    recordEvent(store, request, 'invoiceitem.created', publicItem(item));
  }
}

const subscriptionOf = (item: SandboxObject): string | undefined =>
  (item.parent as { subscription_details?: { subscription?: string } } | null)?.subscription_details?.subscription;

/** The subscription's items that no invoice has billed yet, oldest first. */
export const pendingItems = (store: Store, subscriptionId: string): SandboxObject[] =>
  [...store.invoiceItems.values()].filter((item) => item.invoice === null && subscriptionOf(item) === subscriptionId);

/** Invoice items as the lines of the invoice that bills them. */
export const itemLines = (store: Store, items: readonly SandboxObject[]): InvoiceLineInput[] =>
  items.map((item) => ({
    subscriptionItem: String((item.parent as { subscription_details: { subscription_item: string } }).subscription_details.subscription_item),
    price: itemPrice(store, item), quantity: Number(item.quantity), amount: Number(item.amount),
    proration: { invoiceItem: item.id, kind: item.sandbox_kind === 'credit' ? 'credit' : 'debit', period: item.period as { start: number; end: number } },
  }));

/** Links billed items to their invoice. */
export function markBilled(store: Store, items: readonly SandboxObject[], invoiceId: string): void {
  for (const item of items) store.invoiceItems.set(item.id, { ...item, invoice: invoiceId });
}

/** `sandbox_kind` (credit or debit, for the line description) is the sandbox's own and never shown. */
export function publicItem(item: SandboxObject): SandboxObject {
  const { sandbox_kind: _kind, created: _created, ...rest } = structuredClone(item);
  return rest as SandboxObject;
}

function listItems({ store, body }: RouteContext): unknown {
  only(body, ['customer', 'ending_before', 'expand', 'invoice', 'limit', 'pending', 'starting_after'], undefined, ['created', 'customer_account']);
  const customer = str(body, 'customer');
  const invoice = str(body, 'invoice');
  const pending = bool(body, 'pending');
  const all = [...store.invoiceItems.values()].filter((i) => (customer === undefined || i.customer === customer)
    && (invoice === undefined || i.invoice === invoice) && (pending === undefined || (i.invoice === null) === pending));
  const page = paginate(all, body, '/v1/invoiceitems', 'invoiceitem');
  return { ...page, data: page.data.map(publicItem) };
}

function retrieve({ store, id, body }: RouteContext): SandboxObject {
  only(body, ['expand']);
  const item = store.invoiceItems.get(id);
  if (!item) throw noSuch('invoiceitem', id);
  return publicItem(item);
}

export const invoiceItemRoutes: readonly Route[] = [
  ['GET', '/v1/invoiceitems', listItems],
  ['GET', '/v1/invoiceitems/:id', retrieve],
];
