import { ApplicationFailure } from '@temporalio/common';
import { BillingProviderError } from '../billing/billingProvider';
import { FailureType } from '../workflows/failureTypes';

// Runs a billing call: refusals become non-retryable BillingRejected failures; outages are rethrown for Temporal to retry.
export async function callBilling<T>(request: () => Promise<T>): Promise<T> {
  try {
    return await request();
  } catch (error) {
    if (error instanceof BillingProviderError && !error.retryable) {
      throw ApplicationFailure.create({
        message: error.message,
        type: FailureType.BillingRejected,
        nonRetryable: true,
        details: [{ code: error.code ?? null, param: error.param ?? null }],
      });
    }
    throw error;
  }
}
