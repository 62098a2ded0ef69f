import type { BillingConfig } from '../config';
import { SANDBOX_SECRET_KEY } from '../sandbox/secretKey';
import type { BillingProvider } from './billingProvider';
import { createNoneBillingProvider } from './noneBillingProvider';
import { createStripeBillingProvider, createStripeClient } from './stripeBillingProvider';

// The sandbox is reached through the real Stripe adapter, so what works against it works against Stripe.
export function createBillingProvider(billing: BillingConfig): BillingProvider {
  if (billing.provider === 'none') return createNoneBillingProvider();
  if (billing.provider === 'sandbox') {
    if (!billing.apiBase) throw new Error('the Stripe sandbox must be running (and its URL known) before the billing provider is built');
    return createStripeBillingProvider(createStripeClient({ secretKey: SANDBOX_SECRET_KEY, apiBase: billing.apiBase }));
  }
  return createStripeBillingProvider(createStripeClient({ secretKey: billing.secretKey, apiBase: billing.apiBase }));
}
