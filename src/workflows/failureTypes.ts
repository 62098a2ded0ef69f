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
  // Only a live subscription (active, in trial, payment pending) can be updated.
  SubscriptionNotUpdatable: 'SubscriptionNotUpdatable',
  // The provider (or database) stayed unavailable through every retry of a lifecycle change: nothing was applied.
  LifecycleChangeUnavailable: 'LifecycleChangeUnavailable',
} as const;
export type FailureType = (typeof FailureType)[keyof typeof FailureType];
