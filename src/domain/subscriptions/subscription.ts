import { z } from 'zod';

export const SUBSCRIPTION_STATUSES = ['NOT_STARTED', 'PAYMENT_PENDING', 'IN_TRIAL', 'ACTIVE', 'CANCELED', 'EXPIRED'] as const;
export type SubscriptionStatus = (typeof SUBSCRIPTION_STATUSES)[number];
// The live place a subscription holds on its (customer, product, resource): at most one each.
export type LiveSlot = 'PAID' | 'TRIAL' | 'CHECKOUT' | 'SCHEDULED';

const moneySchema = z.object({ amount: z.number().int(), currency: z.string() });

const chosenPriceSchema = z.object({
  packageId: z.string(),
  packageType: z.enum(['PLAN', 'ADDON']),
  version: z.number().int(),
  featureId: z.string().nullable(),
  billingModel: z.enum(['FLAT_FEE', 'PER_UNIT', 'TIERED']),
  billingPeriod: z.enum(['MONTHLY', 'ANNUALLY']),
  countryCode: z.string().nullable(),
  unitPrice: moneySchema.nullable().describe('null for tiered prices: see tiers'),
  tiersMode: z.enum(['GRADUATED', 'VOLUME']).nullable(),
  tiers: z.array(z.object({ upTo: z.number().optional(), unitAmount: z.number(), flatAmount: z.number().optional() })).nullable(),
  quantity: z.number().int(),
  billingId: z.string().nullable().describe('The provider\'s price id (Stripe "price_…")'),
});

export const providerInvoiceSchema = z.object({
  id: z.string(),
  status: z.string(),
  amountDue: z.number().int().describe('Minor units'),
  amountPaid: z.number().int(),
  currency: z.string(),
  hostedInvoiceUrl: z.string().nullable(),
  created: z.iso.datetime(),
});
export type ProviderInvoice = z.infer<typeof providerInvoiceSchema>;

// The full subscription, as GET /v1/subscriptions/:id answers it.
export const subscriptionSchema = z.object({
  id: z.string(),
  customerId: z.string(),
  productId: z.string(),
  resource: z.object({ id: z.string() }).nullable(),
  resourceId: z.string().nullable(),
  planId: z.string(),
  planVersion: z.number().int(),
  pricingType: z.enum(['FREE', 'PAID', 'CUSTOM']),
  status: z.enum(SUBSCRIPTION_STATUSES),
  billingPeriod: z.enum(['MONTHLY', 'ANNUALLY']).nullable(),
  billingCountryCode: z.string().nullable(),
  currency: z.string().nullable(),
  prices: z.array(chosenPriceSchema),
  billableFeatures: z.array(z.object({ featureId: z.string(), quantity: z.number().int() })),
  addons: z.array(z.object({ addonId: z.string(), quantity: z.number().int(), version: z.number().int() })),
  startDate: z.iso.datetime(),
  trialEndDate: z.iso.datetime().nullable(),
  currentBillingPeriodStart: z.iso.datetime().nullable(),
  currentBillingPeriodEnd: z.iso.datetime().nullable(),
  cancellationDate: z.iso.datetime().nullable(),
  endDate: z.iso.datetime().nullable(),
  endReason: z.string().nullable().describe('Why it ended: REPLACED, TRIAL_CONVERTED, CHECKOUT_EXPIRED, CANCELED, PROVIDER_ENDED, START_FAILED, TRIAL_ENDED (no payment method at trial end), PAYMENT_FAILED (unpaid past its grace period)'),
  promotionCode: z.string().nullable(),
  couponId: z.string().nullable(),
  billingId: z.string().nullable().describe('The provider\'s subscription id (Stripe "sub_…")'),
  checkoutUrl: z.string().nullable().describe('While waiting for checkout: the hosted page to send the customer to'),
  checkoutExpiresAt: z.iso.datetime().nullable(),
  metadata: z.record(z.string(), z.string()),
  scheduledChanges: z
    .array(z.object({ type: z.enum(['START', 'MIGRATION', 'CANCELLATION']), at: z.iso.datetime() }))
    .describe('What happens later without anyone asking: a scheduled start, a scheduled migration to the latest plan and add-on versions, or a scheduled cancellation (undo it with PATCH cancellationDate: null)'),
  paymentFailedAt: z.iso.datetime().nullable().describe('While PAYMENT_PENDING after a failed renewal: when the payment failed'),
  gracePeriodEnd: z.iso.datetime().nullable().describe('Entitlements are kept until then; unpaid by then, the subscription ends'),
  lastInvoice: providerInvoiceSchema.nullable().describe("The provider's latest invoice for it, as its webhooks told it"),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
});
export type Subscription = z.infer<typeof subscriptionSchema>;

// The seed's slim list entry (getActiveSubscriptionsList).
export const slimSubscriptionSchema = subscriptionSchema.pick({
  id: true,
  status: true,
  planId: true,
  productId: true,
  resource: true,
  addons: true,
  pricingType: true,
  startDate: true,
  trialEndDate: true,
  currentBillingPeriodEnd: true,
  cancellationDate: true,
  billingId: true,
});
export type SlimSubscription = z.infer<typeof slimSubscriptionSchema>;

export const provisionSubscriptionResultSchema = z.object({
  provisionStatus: z.enum(['SUCCESS', 'PAYMENT_REQUIRED']),
  subscription: subscriptionSchema.optional(),
  checkoutUrl: z.string().optional(),
});
export type ProvisionSubscriptionResult = z.infer<typeof provisionSubscriptionResultSchema>;

// Why a subscription ended.
export type EndReason = 'REPLACED' | 'TRIAL_CONVERTED' | 'CHECKOUT_EXPIRED' | 'CANCELED' | 'PROVIDER_ENDED' | 'START_FAILED' | 'TRIAL_ENDED' | 'PAYMENT_FAILED';
