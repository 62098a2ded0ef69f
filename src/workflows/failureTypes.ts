// The fixed set of business failure types; activities raise them non-retryable and the API maps them to 4xx.
export const FailureType = {
  CustomerNotFound: 'CustomerNotFound',
  BillingRejected: 'BillingRejected',
  InvalidData: 'InvalidData',
} as const;
export type FailureType = (typeof FailureType)[keyof typeof FailureType];
