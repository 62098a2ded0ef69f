import { BillingProviderError, type BillingProvider } from './billingProvider';

// No billing integration: customers live in Tollgate only. The catalog is never synced without a
// provider (the API starts no sync), so catalog calls reaching this adapter are a bug and refused.
export function createNoneBillingProvider(): BillingProvider {
  const refuse = async (): Promise<never> => {
    throw new BillingProviderError('no billing provider is configured', false, 'billing_not_configured');
  };
  return {
    name: 'none',
    createCustomer: async () => null,
    updateCustomer: async () => undefined,
    upsertProduct: refuse,
    createPrice: refuse,
    archivePrice: refuse,
    hasPaymentMethod: async () => false,
    findOrCreateTaxRate: refuse,
    checkTaxRate: refuse,
    findPromotionCode: refuse,
    createSubscription: refuse,
    getSubscription: refuse,
    cancelSubscription: refuse,
    updateSubscription: refuse,
    previewNewSubscription: refuse,
    previewSubscriptionChange: refuse,
    findTaxRate: refuse,
    scheduleCancellation: refuse,
    createCheckout: refuse,
    getCheckout: refuse,
    expireCheckout: refuse,
  };
}
