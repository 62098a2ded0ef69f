// /v1/invoices: the invoices subscriptions create (subscription_create, then subscription_cycle), read-only over the API.
import { invoiceTotals, type AppliedDiscount } from './amounts';
import { checkExpand, listExpand, newId, noSuch, only, oneOf, paginate, str, type Route, type RouteContext, type SandboxObject, type Store } from './params';

export interface InvoiceLineInput {
  subscriptionItem: string;
  price: SandboxObject;
  quantity: number;
  /** Amount before discounts and exclusive tax (0 for a trial period). */
  amount: number;
  /** Set for a proration: the invoice item it bills, its own period and whether it credits unused or debits remaining time. */
  proration?: { invoiceItem: string; kind: 'credit' | 'debit'; period: { start: number; end: number } };
}

export interface InvoiceInput {
  customer: SandboxObject;
  subscription: SandboxObject;
  lines: readonly InvoiceLineInput[];
  discounts: readonly AppliedDiscount[];
  taxRates: readonly SandboxObject[];
  periodStart: number;
  periodEnd: number;
  trial: boolean;
  /** subscription_create by default; subscription_cycle for a renewal or the end of a trial; subscription_update for always_invoice. */
  billingReason?: 'subscription_create' | 'subscription_cycle' | 'subscription_update' | 'manual';
  /** A preview (invoices.createPreview) is never stored and has no number; its id starts with `upcoming_`. */
  preview?: boolean;
  /** When the invoice was made (a renewal noticed late was still made at its period's start); default now. */
  createdAt?: number;
}

const money = (amount: number, currency: string): string => `${(amount / 100).toFixed(2)} ${currency.toUpperCase()}`;

const day = (unix: number): string => new Date(unix * 1000).toLocaleDateString('en-GB', { day: '2-digit', month: 'short', year: 'numeric', timeZone: 'UTC' });

function lineDescription(store: Store, line: InvoiceLineInput, trial: boolean): string {
  const name = String(store.products.get(String(line.price.product))?.name ?? line.price.product);
  if (trial) return `Trial period for ${name}`;
  if (line.proration) return `${line.proration.kind === 'credit' ? 'Unused' : 'Remaining'} time on ${line.quantity} × ${name} after ${day(line.proration.period.start)}`;
  const recurring = line.price.recurring as { interval: string } | null;
  const unit = line.price.unit_amount === null ? '' : ` (at ${money(Number(line.price.unit_amount), String(line.price.currency))}${recurring ? ` / ${recurring.interval}` : ''})`;
  return `${line.quantity} × ${name}${unit}`;
}

/**
 * A subscription's invoice, finalized (open) with its number; paying or failing it is up to the caller. The customer's
 * balance applies as Stripe documents it: a credit (negative balance) reduces amount_due, and a negative total is not
 * charged but credited to the balance (`ending_balance`; persist it with customerAfterInvoice).
 */
export function buildSubscriptionInvoice(store: Store, input: InvoiceInput): SandboxObject {
  const { customer, subscription, lines, discounts, taxRates } = input;
  const id = input.preview ? newId('upcoming_in', 24) : newId('in', 24);
  const now = input.createdAt ?? store.nowSeconds();
  const currency = String(subscription.currency);
  const totals = invoiceTotals(lines.map((l) => ({ price: l.price, quantity: l.quantity, amount: l.amount })), discounts, taxRates);
  const lineItems = lines.map((line, i) => {
    const lineTotals = totals.lines[i] ?? { discountAmounts: [], taxes: [] };
    return {
      id: newId('il', 24), object: 'line_item', amount: line.amount, currency, description: lineDescription(store, line, input.trial),
      discount_amounts: lineTotals.discountAmounts, discountable: true, discounts: [], invoice: id, livemode: false, metadata: {},
      parent: {
        invoice_item_details: null, type: 'subscription_item_details',
        subscription_item_details: {
          invoice_item: line.proration?.invoiceItem ?? null, proration: line.proration !== undefined, proration_details: { credited_items: null },
          subscription: subscription.id, subscription_item: line.subscriptionItem,
        },
      },
      period: line.proration ? { ...line.proration.period } : { end: input.periodEnd, start: input.periodStart },
      pretax_credit_amounts: lineTotals.discountAmounts.map((d) => ({ amount: d.amount, credit_balance_transaction: null, discount: d.discount, type: 'discount' })),
      pricing: { price_details: { price: line.price.id, product: line.price.product }, type: 'price_details', unit_amount_decimal: line.price.unit_amount_decimal ?? null },
      quantity: line.quantity, quantity_decimal: String(line.quantity), subtotal: line.amount, taxes: lineTotals.taxes,
    };
  });
  const settings = customer.invoice_settings as { custom_fields: unknown; footer: string | null };
  const sequence = Number(customer.next_invoice_sequence ?? 1);
  const startingBalance = Number(customer.balance ?? 0);
  const net = totals.total + startingBalance;
  const due = Math.max(0, net);
  return {
    id, object: 'invoice', account_country: 'US', account_name: 'Stripe sandbox', account_tax_ids: null, amount_due: due,
    amount_overpaid: 0, amount_paid: 0, amount_remaining: due, amount_shipping: 0, application: null, attempt_count: 0, attempted: false,
    auto_advance: false, automatic_tax: { disabled_reason: null, enabled: false, liability: null, provider: null, status: null },
    automatically_finalizes_at: null, billing_reason: input.billingReason ?? 'subscription_create', collection_method: 'charge_automatically', created: now,
    currency, custom_fields: settings.custom_fields ?? null, customer: customer.id, customer_account: null, customer_address: customer.address,
    customer_email: customer.email, customer_name: customer.name, customer_phone: customer.phone, customer_shipping: customer.shipping,
    customer_tax_exempt: customer.tax_exempt, default_payment_method: null, default_source: null, default_tax_rates: structuredClone(taxRates),
    description: null, discounts: discounts.map((d) => d.id), due_date: null, effective_at: now, ending_balance: Math.min(0, net), footer: settings.footer ?? null,
    from_invoice: null, issuer: { type: 'self' }, last_finalization_error: null, latest_revision: null,
    lines: { object: 'list', data: lineItems, has_more: false, total_count: lineItems.length, url: `/v1/invoices/${id}/lines` },
    livemode: false, metadata: {}, next_payment_attempt: null, number: input.preview ? null : `${String(customer.invoice_prefix)}-${String(sequence).padStart(4, '0')}`,
    on_behalf_of: null,
    parent: { quote_details: null, subscription_details: { metadata: structuredClone(subscription.metadata), subscription: subscription.id }, type: 'subscription_details' },
    payment_settings: { default_mandate: null, payment_method_options: null, payment_method_types: null },
    period_end: input.periodStart, period_start: input.periodStart, post_payment_credit_notes_amount: 0, pre_payment_credit_notes_amount: 0,
    receipt_number: null, rendering: null, shipping_cost: null, shipping_details: null, starting_balance: startingBalance, statement_descriptor: null,
    status: input.preview ? 'draft' : 'open', status_transitions: { finalized_at: input.preview ? null : now, marked_uncollectible_at: null, paid_at: null, voided_at: null },
    subtotal: totals.subtotal, subtotal_excluding_tax: totals.subtotalExcludingTax, test_clock: null, total: totals.total,
    total_discount_amounts: totals.discountAmounts, total_excluding_tax: totals.totalExcludingTax, total_pretax_credit_amounts:
      totals.discountAmounts.map((d) => ({ amount: d.amount, credit_balance_transaction: null, discount: d.discount, type: 'discount' })),
    total_taxes: totals.totalTaxes, webhooks_delivered_at: now,
  };
}

/** The customer once `invoice` was finalized: its number used, its balance what the invoice left (`ending_balance`). */
export const customerAfterInvoice = (customer: SandboxObject, invoice: SandboxObject): SandboxObject => ({
  ...customer, next_invoice_sequence: Number(customer.next_invoice_sequence ?? 1) + 1, balance: Number(invoice.ending_balance ?? 0),
});

/** The invoice once its charge succeeded (or nothing was due). */
export function paidInvoice(store: Store, invoice: SandboxObject, attempted: boolean): SandboxObject {
  const transitions = invoice.status_transitions as Record<string, unknown>;
  return {
    ...invoice, amount_paid: invoice.amount_due, amount_remaining: 0, attempt_count: attempted ? 1 : 0, attempted,
    status: 'paid', status_transitions: { ...transitions, paid_at: store.nowSeconds() },
  };
}

/** The invoice once its charge was declined: still open, attempted once. */
export const failedInvoice = (invoice: SandboxObject): SandboxObject => ({ ...invoice, attempt_count: 1, attempted: true });

const EXPANDABLE = ['customer', 'discounts'];

export function getInvoice(store: Store, id: string): SandboxObject {
  const invoice = store.invoices.get(id);
  if (!invoice) throw noSuch('invoice', id);
  return invoice;
}

/** `subscription` is where older API versions linked it; this version keeps it under parent.subscription_details. */
const subscriptionOf = (invoice: SandboxObject): unknown =>
  (invoice.parent as { subscription_details: { subscription: string } | null } | null)?.subscription_details?.subscription;

export function viewInvoice(store: Store, invoice: SandboxObject, expand: readonly string[]): SandboxObject {
  const out = structuredClone(invoice);
  if (expand.includes('customer')) out.customer = structuredClone(store.customers.get(String(invoice.customer)) ?? invoice.customer);
  if (expand.includes('discounts')) out.discounts = (invoice.discounts as string[]).map((id) => structuredClone(store.discounts.get(id) ?? id));
  return out;
}

function listInvoices({ store, body, expand }: RouteContext): unknown {
  only(body, ['customer', 'ending_before', 'expand', 'limit', 'starting_after', 'status', 'subscription'], undefined, ['collection_method', 'created', 'customer_account', 'due_date']);
  const customer = str(body, 'customer');
  const subscription = str(body, 'subscription');
  const status = oneOf(body, 'status', ['draft', 'open', 'paid', 'uncollectible', 'void']);
  const all = [...store.invoices.values()].filter((i) => (customer === undefined || i.customer === customer)
    && (subscription === undefined || subscriptionOf(i) === subscription) && (status === undefined || i.status === status));
  const page = paginate(all, body, '/v1/invoices', 'invoice');
  checkExpand(listExpand(expand), EXPANDABLE);
  return { ...page, data: page.data.map((i) => viewInvoice(store, i, listExpand(expand))) };
}

function listLines({ store, id, body }: RouteContext): unknown {
  only(body, ['ending_before', 'expand', 'limit', 'starting_after']);
  const lines = getInvoice(store, id).lines as { data: Array<{ id: string }> };
  // Lines keep invoice order; paginate() lists newest first, so hand it them reversed.
  const items = [...lines.data].reverse().map((l) => ({ ...l, created: 0, livemode: false as const, object: 'line_item' }));
  const page = paginate(items, body, `/v1/invoices/${id}/lines`, 'line item');
  return { ...page, data: page.data.map(({ created: _created, ...line }) => line) };
}

export const invoiceRoutes: readonly Route[] = [
  ['GET', '/v1/invoices', listInvoices],
  ['GET', '/v1/invoices/:id', ({ store, id, body, expand }) => (only(body, ['expand']), checkExpand(expand, EXPANDABLE), viewInvoice(store, getInvoice(store, id), expand))],
  ['GET', '/v1/invoices/:id/lines', listLines],
];
