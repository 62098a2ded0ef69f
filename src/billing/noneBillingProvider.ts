import { BillingProviderError, type BillingProvider } from './billingProvider';

// No billing integration: nothing is synced, and nothing ever asks this adapter to (see `isBillingEnabled`).
export function createNoneBillingProvider(): BillingProvider {
  const refuse = async (): Promise<never> => {
    throw new BillingProviderError('no billing provider is configured', false, 'billing_not_configured');
  };
  return { name: 'none', createCustomer: refuse, updateCustomer: refuse, upsertProduct: refuse, createPrice: refuse, archivePrice: refuse };
}
