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

export interface BillingProvider {
  readonly name: 'none' | 'stripe';
  // null: this provider keeps no customers (no billing integration), so there is nothing to link.
  createCustomer(input: BillingCustomerInput): Promise<{ billingId: string } | null>;
  updateCustomer(input: BillingCustomerInput & { billingId: string }): Promise<void>;
  upsertProduct(input: BillingProductInput & { billingId: string | null }): Promise<{ billingId: string }>;
  createPrice(input: BillingPriceInput): Promise<{ billingId: string }>;
  archivePrice(input: { idempotencyKey: string; billingId: string }): Promise<void>;
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
