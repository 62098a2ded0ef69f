// The fixed set of business failure types; activities raise them non-retryable and the API maps them to 4xx.
export const FailureType = {
  CustomerNotFound: 'CustomerNotFound',
  BillingRejected: 'BillingRejected',
  InvalidData: 'InvalidData',
  CustomerArchived: 'CustomerArchived',
  // A subscription request the catalog refuses; details carry { status, code, field }.
  SubscriptionRequestRefused: 'SubscriptionRequestRefused',
  PromotionCodeNotApplicable: 'PromotionCodeNotApplicable',
  SubscriptionNotFound: 'SubscriptionNotFound',
  SubscriptionNotCancelable: 'SubscriptionNotCancelable',
} as const;
export type FailureType = (typeof FailureType)[keyof typeof FailureType];
