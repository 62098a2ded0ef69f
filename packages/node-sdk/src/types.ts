// The public shapes of the SDK: the seed SDK's names, argument shapes, result fields and enum values.

export enum UsageUpdateBehavior {
  Delta = 'DELTA',
  Set = 'SET',
}

export enum SubscriptionCancellationTime {
  Immediate = 'IMMEDIATE',
  EndOfBillingPeriod = 'END_OF_BILLING_PERIOD',
  SpecificDate = 'SPECIFIC_DATE',
}

export enum SubscriptionMigrationTime {
  Immediate = 'IMMEDIATE',
  EndOfBillingPeriod = 'END_OF_BILLING_PERIOD',
}

export enum SubscriptionStatus {
  Active = 'ACTIVE',
  InTrial = 'IN_TRIAL',
  PaymentPending = 'PAYMENT_PENDING',
  NotStarted = 'NOT_STARTED',
  Canceled = 'CANCELED',
  Expired = 'EXPIRED',
}

export enum ProvisionSubscriptionStatus {
  Success = 'SUCCESS',
  PaymentRequired = 'PAYMENT_REQUIRED',
}

export enum EntitlementResetPeriod {
  Hour = 'HOUR',
  Day = 'DAY',
  Week = 'WEEK',
  Month = 'MONTH',
  Year = 'YEAR',
}

export enum AccessDeniedReason {
  CustomerNotFound = 'CustomerNotFound',
  CustomerIsArchived = 'CustomerIsArchived',
  CustomerResourceNotFound = 'CustomerResourceNotFound',
  FeatureNotFound = 'FeatureNotFound',
  FeatureTypeMismatch = 'FeatureTypeMismatch',
  NoActiveSubscription = 'NoActiveSubscription',
  NoFeatureEntitlementInSubscription = 'NoFeatureEntitlementInSubscription',
  RequestedUsageExceedingLimit = 'RequestedUsageExceedingLimit',
  Revoked = 'Revoked',
  Unknown = 'Unknown',
}

export type EntitlementType = 'BOOLEAN' | 'NUMERIC' | 'METERED';
export type BillingPeriod = 'MONTHLY' | 'ANNUALLY';
export type Metadata = Record<string, string>;

// ---- configuration -------------------------------------------------------------------------------------------

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type Logger = { debug(...args: unknown[]): void; info(...args: unknown[]): void; warn(...args: unknown[]): void; error(...args: unknown[]): void };

export type BooleanEntitlementFallback = { hasAccess: boolean };
export type NumericEntitlementFallback = { hasAccess: boolean; value?: number; isUnlimited?: boolean };
export type MeteredEntitlementFallback = { hasAccess: boolean; usageLimit?: number; isUnlimited?: boolean };
export type EntitlementFallback = BooleanEntitlementFallback | NumericEntitlementFallback | MeteredEntitlementFallback;

export type TollgateConfiguration = {
  apiKey: string;
  // Where the Tollgate API answers, e.g. http://127.0.0.1:3000.
  baseUri?: string;
  realtimeUpdatesEnabled?: boolean;
  entitlementsFallback?: Record<string, EntitlementFallback>;
  memoryCacheMaxSizeBytes?: number;
  timeout?: number;
  entitlementsTimeout?: number;
  offline?: boolean;
  logConfiguration?: { logger?: Logger; logLevel?: LogLevel };
  // Tollgate additions: retries after the first attempt (network errors and 5xx), and the bound of the buffer of
  // usage reports and events kept while the service is unreachable.
  maxRetries?: number;
  maxBufferedReports?: number;
};

// ---- customers ---------------------------------------------------------------------------------------------

export type Address = { country?: string; city?: string; state?: string; addressLine1?: string; addressLine2?: string; phoneNumber?: string; postalCode?: string };
export type CustomerBillingInfo = {
  language?: string;
  timezone?: string;
  customerName?: string;
  billingAddress?: Address;
  shippingAddress?: Address;
  taxIds?: { type: string; value: string }[];
  invoiceCustomFields?: Record<string, string>;
  paymentMethodId?: string;
  currency?: string;
  metadata?: Record<string, string>;
};

export type Customer = {
  id: string;
  customerId: string;
  name: string | null;
  email: string | null;
  couponId: string | null;
  billingId: string | null;
  metadata: Metadata;
  createdAt: Date;
  updatedAt: Date;
};

export type BillableFeature = { featureId: string; quantity: number };
export type SubscriptionAddon = { addonId: string; quantity: number };
export type BillingInformation = { taxRateIds?: string[]; taxPercentage?: number; metadata?: Record<string, string> };
export type CheckoutOptions = {
  successUrl: string;
  cancelUrl: string;
  allowPromoCodes?: boolean;
  collectBillingAddress?: boolean;
  referenceId?: string;
  allowTaxIdCollection?: boolean;
  collectPhoneNumber?: boolean;
};

export type SubscriptionParams = {
  planId: string;
  resourceId?: string;
  billingPeriod?: BillingPeriod;
  unitQuantity?: number;
  billableFeatures?: BillableFeature[];
  addons?: SubscriptionAddon[];
  startDate?: Date;
  skipTrial?: boolean;
  promotionCode?: string;
  billingCountryCode?: string;
  billingInformation?: BillingInformation;
  checkoutOptions?: CheckoutOptions;
  metadata?: Metadata;
};

export type ProvisionCustomerRequest = {
  customerId: string;
  name?: string | null;
  email?: string | null;
  couponId?: string | null;
  billingInfo?: CustomerBillingInfo;
  metadata?: Metadata;
  // null: no initial subscription; absent: each product's customer journey decides.
  subscriptionParams?: SubscriptionParams | null;
};

export type SubscriptionDecisionStrategy = 'REQUESTED_PLAN' | 'PREDEFINED_FREE_PLAN' | 'PREDEFINED_TRIAL_PLAN' | 'SKIPPED_SUBSCRIPTION_CREATION';

export type ProvisionCustomerResult = {
  customer: Customer;
  subscriptionDecisionStrategy?: SubscriptionDecisionStrategy;
  subscription?: Subscription;
  checkoutUrl?: string;
  subscriptionError?: { code: string; message: string };
};

export type UpdateCustomerRequest = {
  customerId: string;
  name?: string | null;
  email?: string | null;
  couponId?: string | null;
  billingInfo?: CustomerBillingInfo;
  metadata?: Metadata;
};

// ---- subscriptions ------------------------------------------------------------------------------------------

export type Subscription = {
  id: string;
  customerId: string;
  productId: string;
  resource: { id: string } | null;
  resourceId: string | null;
  planId: string;
  planVersion: number;
  pricingType: 'FREE' | 'PAID' | 'CUSTOM';
  status: SubscriptionStatus;
  billingPeriod: BillingPeriod | null;
  billingCountryCode: string | null;
  currency: string | null;
  prices: unknown[];
  billableFeatures: BillableFeature[];
  addons: (SubscriptionAddon & { version: number })[];
  startDate: Date;
  trialEndDate: Date | null;
  currentBillingPeriodStart: Date | null;
  currentBillingPeriodEnd: Date | null;
  cancellationDate: Date | null;
  endDate: Date | null;
  endReason: string | null;
  promotionCode: string | null;
  couponId: string | null;
  billingId: string | null;
  checkoutUrl: string | null;
  checkoutExpiresAt: Date | null;
  metadata: Metadata;
  // A scheduled start or cancellation (undo a cancellation with updateSubscription({ cancellationDate: null })).
  scheduledChanges?: { type: 'START' | 'MIGRATION' | 'CANCELLATION'; at: Date }[];
  paymentFailedAt?: Date | null;
  gracePeriodEnd?: Date | null;
  lastInvoice?: { id: string; status: string; amountDue: number; amountPaid: number; currency: string; hostedInvoiceUrl: string | null; created: Date } | null;
  createdAt: Date;
  updatedAt: Date;
};

export type SlimSubscription = Pick<
  Subscription,
  'id' | 'status' | 'planId' | 'productId' | 'resource' | 'addons' | 'pricingType' | 'startDate' | 'trialEndDate' | 'currentBillingPeriodEnd' | 'cancellationDate' | 'billingId'
>;

export type ProvisionSubscriptionRequest = SubscriptionParams & { customerId: string };
export type ProvisionSubscriptionResult = { provisionStatus: ProvisionSubscriptionStatus | 'SUCCESS' | 'PAYMENT_REQUIRED'; subscription?: Subscription; checkoutUrl?: string };
export type UpdateSubscriptionRequest = {
  subscriptionId: string;
  unitQuantity?: number;
  billableFeatures?: { featureId: string; quantity: number }[];
  // The full list: add, remove, change quantity.
  addons?: { addonId: string; quantity: number }[];
  promotionCode?: string | null;
  billingPeriod?: 'MONTHLY' | 'ANNUALLY';
  billingInformation?: { taxRateIds?: string[]; taxPercentage?: number; metadata?: Metadata };
  metadata?: Metadata;
  // null undoes a scheduled cancellation.
  cancellationDate?: null;
};
export type CancelSubscriptionRequest = {
  subscriptionId: string;
  subscriptionCancellationTime?: SubscriptionCancellationTime | 'IMMEDIATE' | 'END_OF_BILLING_PERIOD' | 'SPECIFIC_DATE';
  endDate?: Date;
  prorate?: boolean;
};
export type MigrateSubscriptionToLatestRequest = {
  subscriptionId: string;
  subscriptionMigrationTime?: SubscriptionMigrationTime | 'IMMEDIATE' | 'END_OF_BILLING_PERIOD';
};
// MIGRATED: on the latest versions now; SCHEDULED: at the period end; ALREADY_LATEST: nothing changed.
export type MigrateSubscriptionToLatestResult = { migration: 'MIGRATED' | 'SCHEDULED' | 'ALREADY_LATEST'; subscription: Subscription };

// ---- entitlements -------------------------------------------------------------------------------------------

export type EntitlementFeature = {
  id: string;
  displayName: string;
  featureType: 'BOOLEAN' | 'NUMBER';
  meterType: 'None' | 'Fluctuating' | 'Incremental';
  units: string | null;
  unitsPlural: string | null;
};

export type EntitlementOptions<F> = { requestedUsage?: number; fallback?: F };
export type GetEntitlementRequest<F> = { customerId: string; featureId: string; resourceId?: string; options?: EntitlementOptions<F> };

type CommonEntitlement = { hasAccess: boolean; isFallback: boolean; accessDeniedReason?: AccessDeniedReason; feature?: EntitlementFeature };
export type BooleanEntitlement = CommonEntitlement & { type: 'BOOLEAN' };
export type NumericEntitlement = CommonEntitlement & { type: 'NUMERIC'; value?: number; isUnlimited: boolean };
export type MeteredEntitlement = CommonEntitlement & {
  type: 'METERED';
  usageLimit?: number;
  isUnlimited: boolean;
  hasSoftLimit: boolean;
  currentUsage: number;
  requestedUsage: number;
  resetPeriod?: EntitlementResetPeriod;
  usagePeriodAnchor?: Date;
  usagePeriodStart?: Date;
  usagePeriodEnd?: Date;
};
export type Entitlement = BooleanEntitlement | NumericEntitlement | MeteredEntitlement;

// ---- usage and events ---------------------------------------------------------------------------------------

export type ReportUsageRequest = {
  customerId: string;
  featureId: string;
  value: number;
  resourceId?: string;
  updateBehavior?: UsageUpdateBehavior | 'DELTA' | 'SET';
  createdAt?: Date;
  dimensions?: Record<string, string | number | boolean>;
  // Set by the SDK when absent, so a retried or buffered report counts once.
  idempotencyKey?: string;
  // Tollgate addition: record it only if it fits the hard limit (else a 409 USAGE_LIMIT_EXCEEDED error).
  enforceLimit?: boolean;
};

export type ReportUsageResult = {
  // While the service is unreachable the report is buffered: measurementId is then its idempotency key, `isBuffered`
  // is true and currentUsage is absent until it is delivered.
  measurementId: string;
  customerId: string;
  featureId: string;
  resourceId?: string;
  currentUsage?: number;
  usagePeriodStart?: Date;
  usagePeriodEnd?: Date;
  isBuffered?: boolean;
};

export type ReportEventRequest = {
  customerId: string;
  eventName: string;
  idempotencyKey: string;
  resourceId?: string;
  dimensions?: Record<string, string | number | boolean>;
  timestamp?: string | Date;
};

// ---- events -------------------------------------------------------------------------------------------------

export type EntitlementsUpdatedPayload = { customerId: string; resourceId: string | null; entitlements: unknown[] };
export type UsageUpdatedPayload = {
  customerId: string;
  resourceId: string | null;
  featureId: string;
  currentUsage: number;
  usagePeriodStart?: Date;
  usagePeriodEnd?: Date;
};
export type PackagePublishedPayload = { packageId: string; packageType: 'PLAN' | 'ADDON'; productId: string; version: number };
export type NetworkRequestFailedPayload = { errorMessage: string; errorCode: string; method: string; path: string; attempt: number; willRetry: boolean; status?: number };
export type CacheEventPayload = { customerId: string; resourceId?: string; featureId?: string };

export type TollgateEvents = {
  initializeSuccessfully: () => void;
  initializeFailed: (error: Error) => void;
  entitlementsUpdated: (payload: EntitlementsUpdatedPayload) => void;
  usageUpdated: (payload: UsageUpdatedPayload) => void;
  packagePublished: (payload: PackagePublishedPayload) => void;
  cacheHit: (payload: CacheEventPayload) => void;
  cacheMiss: (payload: CacheEventPayload) => void;
  apiKeyInvalid: () => void;
  networkRequestFailed: (payload: NetworkRequestFailedPayload) => void;
};
export type TollgateEventName = keyof TollgateEvents;
