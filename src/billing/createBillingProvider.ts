import type { Config } from '../config';
import type { BillingProvider } from './billingProvider';
import { createNoneBillingProvider } from './noneBillingProvider';
import { createStripeBillingProvider, createStripeClient } from './stripeBillingProvider';

export function createBillingProvider(billing: Config['billing']): BillingProvider {
  if (billing.provider === 'none') return createNoneBillingProvider();
  return createStripeBillingProvider(createStripeClient({ secretKey: billing.secretKey, apiBase: billing.apiBase }));
}
