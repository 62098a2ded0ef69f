import Stripe from 'stripe';
import type { BillingInfo } from '../domain/customers/customerInput';
import {
  type BillingCustomerInput,
  type BillingPriceInput,
  type BillingProvider,
} from './billingProvider';
import { call } from './stripeCall';
import { createStripePreviewCalls } from './stripeInvoicePreview';
import { createStripeSubscriptionCalls } from './stripeSubscriptions';
import { toStripeCustomerFields } from './stripeCustomerFields';

export function createStripeClient(options: { secretKey: string; apiBase?: string }): Stripe {
  const base = options.apiBase ? new URL(options.apiBase) : undefined;
  return new Stripe(options.secretKey, {
    // Temporal retries activities; the SDK's own retries would only hide outages from the workflow history.
    maxNetworkRetries: 0,
    timeout: 20_000,
    ...(base && {
      host: base.hostname,
      port: Number(base.port || (base.protocol === 'https:' ? 443 : 80)),
      protocol: base.protocol.replace(':', '') as Stripe.HttpProtocol,
    }),
  });
}

// Stripe adapter: every write is idempotent on the caller's key, and errors are sorted into retryable or not.
export function createStripeBillingProvider(stripe: Stripe): BillingProvider {
  return {
    name: 'stripe',
    ...createStripeSubscriptionCalls(stripe),
    ...createStripePreviewCalls(stripe),

    async createCustomer(input) {
      const fields = toStripeCustomerFields(input);
      const customer = await call(() =>
        stripe.customers.create(
          {
            ...fields,
            tax_id_data: input.billingInfo?.taxIds?.map((taxId) => ({
              type: taxId.type as Stripe.CustomerCreateParams.TaxIdDatum.Type,
              value: taxId.value,
            })),
            payment_method: input.billingInfo?.paymentMethodId,
          },
          { idempotencyKey: input.idempotencyKey },
        ),
      );
      return { billingId: customer.id };
    },

    async updateCustomer(input) {
      const { billingInfo } = input;
      const fields = toStripeCustomerFields(input);
      if (billingInfo?.paymentMethodId) {
        // A payment method must be attached before it can be the default; Stripe may hand back a new id (test cards do).
        const attached = await call(() =>
          stripe.paymentMethods.attach(
            billingInfo.paymentMethodId!,
            { customer: input.billingId },
            { idempotencyKey: `${input.idempotencyKey}:attach-payment-method` },
          ),
        );
        fields.invoice_settings = { ...fields.invoice_settings, default_payment_method: attached.id };
      }
      await call(() => stripe.customers.update(input.billingId, fields, { idempotencyKey: input.idempotencyKey }));
      if (billingInfo?.taxIds) await replaceTaxIds(stripe, input.billingId, billingInfo.taxIds, input.idempotencyKey);
    },

    async upsertProduct(input) {
      const fields = {
        name: input.displayName,
        description: input.description ?? undefined,
        active: input.active,
        metadata: { tollgate_environment: input.environmentId, tollgate_package_id: input.packageId, tollgate_kind: input.kind },
      };
      if (input.billingId) {
        await call(() => stripe.products.update(input.billingId!, fields, { idempotencyKey: input.idempotencyKey }));
        return { billingId: input.billingId };
      }
      const product = await call(() => stripe.products.create(fields, { idempotencyKey: input.idempotencyKey }));
      return { billingId: product.id };
    },

    async createPrice(input) {
      const price = await call(() => stripe.prices.create(toStripePrice(input), { idempotencyKey: input.idempotencyKey }));
      return { billingId: price.id };
    },

    async archivePrice(input) {
      await call(() => stripe.prices.update(input.billingId, { active: false }, { idempotencyKey: input.idempotencyKey }));
    },
  };
}

function toStripePrice(input: BillingPriceInput): Stripe.PriceCreateParams {
  const params: Stripe.PriceCreateParams = {
    product: input.productBillingId,
    currency: input.currency,
    recurring: { interval: input.billingPeriod === 'MONTHLY' ? 'month' : 'year', usage_type: 'licensed' },
    nickname: [input.packageId, `v${input.version}`, input.featureId ?? 'base', input.countryCode].filter(Boolean).join(' '),
    metadata: {
      tollgate_environment: input.environmentId,
      tollgate_package_id: input.packageId,
      tollgate_version: String(input.version),
      tollgate_billing_model: input.billingModel,
      ...(input.featureId && { tollgate_feature_id: input.featureId }),
      ...(input.countryCode && { tollgate_country_code: input.countryCode }),
    },
  };
  if (input.billingModel !== 'TIERED') return { ...params, unit_amount: input.amount ?? 0 };
  return {
    ...params,
    billing_scheme: 'tiered',
    tiers_mode: input.tiersMode === 'VOLUME' ? 'volume' : 'graduated',
    tiers: (input.tiers ?? []).map((tier) => ({
      up_to: tier.upTo ?? 'inf',
      unit_amount: tier.unitAmount,
      ...(tier.flatAmount !== undefined && { flat_amount: tier.flatAmount }),
    })),
  };
}

// Stripe keeps tax ids as sub-objects: the whole set is replaced, as billingInfo is always sent whole.
async function replaceTaxIds(stripe: Stripe, customer: string, wanted: NonNullable<BillingInfo['taxIds']>, key: string) {
  const existing = await call(() => stripe.customers.listTaxIds(customer, { limit: 100 }));
  const sameAs = (a: { type: string; value: string }, b: { type: string; value: string }) => a.type === b.type && a.value === b.value;
  for (const taxId of existing.data) {
    if (!wanted.some((w) => sameAs(w, taxId))) await call(() => stripe.customers.deleteTaxId(customer, taxId.id));
  }
  for (const [index, taxId] of wanted.entries()) {
    if (existing.data.some((e) => sameAs(taxId, e))) continue;
    await call(() =>
      stripe.customers.createTaxId(
        customer,
        { type: taxId.type as Stripe.CustomerCreateTaxIdParams.Type, value: taxId.value },
        { idempotencyKey: `${key}:tax-id:${index}` },
      ),
    );
  }
}

export type { BillingCustomerInput };
