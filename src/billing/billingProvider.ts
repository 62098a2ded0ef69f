import type { BillingInfo } from '../domain/customers/customerInput';

// The port every billing integration implements. Each write carries an idempotency key that the
// caller keeps stable across retries, so a retried call never creates a second object.
export type BillingCustomerInput = {
  idempotencyKey: string;
  environmentId: string;
  customerId: string;
  name: string | null;
  email: string | null;
  billingInfo?: BillingInfo;
};

export type BillingProductInput = {
  idempotencyKey: string;
  environmentId: string;
  packageId: string;
  kind: 'PLAN' | 'ADDON';
  displayName: string;
  description: string | null;
  active: boolean;
};

export type BillingPriceInput = {
  idempotencyKey: string;
  productBillingId: string;
  environmentId: string;
  packageId: string;
  version: number;
  billingPeriod: 'MONTHLY' | 'ANNUALLY';
  billingModel: 'FLAT_FEE' | 'PER_UNIT' | 'TIERED';
  featureId: string | null;
  countryCode: string | null;
  currency: string;
  amount: number | null;
  tiersMode: 'GRADUATED' | 'VOLUME' | null;
  tiers: { upTo?: number; unitAmount: number; flatAmount?: number }[] | null;
};

export type BillingItem = { priceBillingId: string; quantity: number };

// Where a checkout session stands at the provider.
export type CheckoutState = { status: 'open' | 'complete' | 'expired'; subscriptionBillingId: string | null };

export type BillingSubscriptionState = {
  billingId: string;
  status: string;
  currentPeriodStart: Date | null;
  currentPeriodEnd: Date | null;
  trialEnd: Date | null;
  // A cancellation scheduled at the provider (Stripe's cancel_at, also set by cancel_at_period_end), e.g. from its dashboard.
  cancelAt: Date | null;
  items: { priceBillingId: string; quantity: number }[];
};

export type BillingSubscriptionChange = {
  idempotencyKey: string;
  billingId: string;
  // The whole list after the change: items of prices not listed are removed.
  items: BillingItem[];
  // A quantity or add-on change is prorated and invoiced at once (Stripe's always_invoice).
  prorate: boolean;
  // A billing-period change starts a new cycle now.
  resetBillingCycle: boolean;
  // When the change counts as made (default: now): an estimate's prorationDate, so the charge is the estimated one.
  prorationDate?: Date;
  // undefined: unchanged; null: removed.
  promotionCodeId?: string | null;
  metadata?: Record<string, string>;
};

// What a subscription sells, whether created directly or through a checkout session.
type BillingSale = {
  idempotencyKey: string;
  customerBillingId: string;
  items: BillingItem[];
  taxRateIds: string[];
  promotionCodeId: string | null;
  trialEnd: Date | null;
  metadata: Record<string, string>;
};

export type BillingSubscriptionInput = BillingSale & {
  // A start date in the past, billed from then (Stripe's backdate_start_date).
  backdateStart: Date | null;
};

export type BillingCheckoutInput = BillingSale & {
  successUrl: string;
  cancelUrl: string;
  allowPromotionCodes: boolean;
  collectBillingAddress: boolean;
  collectTaxIds: boolean;
  collectPhoneNumber: boolean;
  referenceId: string | null;
  expiresAt: Date;
};

// An invoice the provider would raise, previewed and never stored (Stripe's invoices.createPreview).
export type BillingInvoicePreview = {
  currency: string;
  subtotal: number;
  totalExcludingTax: number;
  total: number;
  discount: number;
  taxes: { displayName: string; percentage: number; inclusive: boolean; amount: number; taxableAmount: number }[];
  lines: { amount: number; proration: boolean; periodStart: Date; periodEnd: Date }[];
  // The coupon behind the discount, when there is one.
  coupon: { id: string; percentOff: number | null; amountOff: number | null; duration: 'forever' | 'once' | 'repeating'; durationInMonths: number | null } | null;
};

// A new subscription's first invoice.
export type BillingNewSubscriptionPreview = { customerBillingId: string; items: BillingItem[]; taxRateIds: string[]; promotionCodeId: string | null };

// What a change of an existing subscription would invoice at once: its prorations at `prorationDate` (always_invoice).
export type BillingSubscriptionChangePreview = {
  billingId: string;
  customerBillingId: string;
  // The whole list after the change, as for updateSubscription.
  items: BillingItem[];
  prorationDate: Date;
  // undefined: unchanged; null: removed.
  promotionCodeId?: string | null;
};

export interface BillingProvider {
  readonly name: 'none' | 'stripe';
  // null: this provider keeps no customers (no billing integration), so there is nothing to link.
  createCustomer(input: BillingCustomerInput): Promise<{ billingId: string } | null>;
  updateCustomer(input: BillingCustomerInput & { billingId: string }): Promise<void>;
  upsertProduct(input: BillingProductInput & { billingId: string | null }): Promise<{ billingId: string }>;
  createPrice(input: BillingPriceInput): Promise<{ billingId: string }>;
  archivePrice(input: { idempotencyKey: string; billingId: string }): Promise<void>;
  // Subscriptions. The `none` provider is never asked: without a provider nothing is billed.
  hasPaymentMethod(customerBillingId: string): Promise<boolean>;
  // The provider's tax rate of this exclusive percentage, created when none is active yet.
  findOrCreateTaxRate(input: { idempotencyKey: string; percentage: number }): Promise<{ billingId: string }>;
  // Refuses (BillingProviderError, not retryable) a tax rate id the provider does not have or has deactivated.
  checkTaxRate(billingId: string): Promise<void>;
  // null: no active promotion code by that name that this customer may use.
  findPromotionCode(input: { code: string; customerBillingId: string | null }): Promise<{ promotionCodeId: string } | null>;
  createSubscription(input: BillingSubscriptionInput): Promise<BillingSubscriptionState>;
  getSubscription(billingId: string): Promise<BillingSubscriptionState>;
  // prorate: credit for the unused part of the period (Stripe's prorate on cancel).
  cancelSubscription(input: { idempotencyKey: string; billingId: string; prorate?: boolean }): Promise<void>;
  updateSubscription(input: BillingSubscriptionChange): Promise<BillingSubscriptionState>;
  // Reads only: what the provider would invoice, for estimates (nothing is created or changed).
  previewNewSubscription(input: BillingNewSubscriptionPreview): Promise<BillingInvoicePreview>;
  // `change`: what the change invoices at once; `renewal`: the next renewal with the new items at full price.
  previewSubscriptionChange(input: BillingSubscriptionChangePreview): Promise<{ change: BillingInvoicePreview; renewal: BillingInvoicePreview }>;
  // The active exclusive tax rate of this percentage, if the provider has one (findOrCreateTaxRate without the create).
  findTaxRate(percentage: number): Promise<{ billingId: string } | null>;
  // Ends it at `at` on the provider's own clock; null undoes a scheduled cancellation.
  scheduleCancellation(input: { idempotencyKey: string; billingId: string; at: Date | null; prorate: boolean }): Promise<BillingSubscriptionState>;
  createCheckout(input: BillingCheckoutInput): Promise<{ sessionId: string; url: string; expiresAt: Date }>;
  getCheckout(sessionId: string): Promise<CheckoutState>;
  // Expires an open session; answers where it stands when it was no longer open (it may have completed meanwhile).
  expireCheckout(input: { idempotencyKey: string; sessionId: string }): Promise<CheckoutState>;
}

// Raised by adapters; `retryable` separates the provider's outages from requests it refuses.
export class BillingProviderError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
    readonly code?: string,
    readonly param?: string,
  ) {
    super(message);
    this.name = 'BillingProviderError';
  }
}
