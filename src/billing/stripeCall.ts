import Stripe from 'stripe';
import { BillingProviderError } from './billingProvider';

// Runs one Stripe request; its failure comes back as a BillingProviderError that says whether a retry can help.
export async function call<T>(request: () => Promise<T>): Promise<T> {
  try {
    return await request();
  } catch (error) {
    throw toBillingProviderError(error);
  }
}

export function toBillingProviderError(error: unknown): BillingProviderError {
  if (!(error instanceof Stripe.errors.StripeError)) {
    return new BillingProviderError(error instanceof Error ? error.message : String(error), true);
  }
  // Stripe refusing the request will refuse it again; outages, rate limits and 5xx are worth retrying.
  const refused =
    error instanceof Stripe.errors.StripeInvalidRequestError ||
    error instanceof Stripe.errors.StripeCardError ||
    error instanceof Stripe.errors.StripeIdempotencyError ||
    error instanceof Stripe.errors.StripePermissionError ||
    error instanceof Stripe.errors.StripeAuthenticationError;
  return new BillingProviderError(`Stripe: ${error.message}`, !refused, error.code ?? error.type, error.param);
}

