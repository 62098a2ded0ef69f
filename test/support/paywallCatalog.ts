import type { CatalogDocumentInput } from '../../src/domain/catalog/catalogDocument';

// A product with four tiers in planOrder (free < starter < growth < enterprise), a plan the order leaves out, a
// draft plan and a draft add-on (not on sale), prices localized for Denmark, and a second product (one subscription per resource) the first one's paywall ignores.
export function paywallCatalogInput(): CatalogDocumentInput & Required<Pick<CatalogDocumentInput, 'plans' | 'addons' | 'products' | 'features'>> {
  return {
    products: [
      { id: 'product-crm', displayName: 'CRM', planOrder: ['plan-free', 'plan-starter', 'plan-growth', 'plan-enterprise'] },
      { id: 'product-other', displayName: 'Other', multipleSubscriptions: true },
    ],
    features: [
      { id: 'feature-seats', displayName: 'Seats', featureType: 'NUMBER', unit: 'seat', unitPlural: 'seats' },
      { id: 'feature-sso', displayName: 'Single sign-on', description: 'SAML login', featureType: 'BOOLEAN' },
    ],
    plans: [
      { id: 'plan-free', productId: 'product-crm', displayName: 'Free', pricingType: 'FREE', entitlements: [{ featureId: 'feature-seats', value: 1 }] },
      {
        id: 'plan-starter',
        productId: 'product-crm',
        displayName: 'Starter',
        description: 'For small teams',
        pricingType: 'PAID',
        prices: [
          { billingPeriod: 'MONTHLY', billingModel: 'FLAT_FEE', currency: 'usd', amount: 1000, countryPrices: [{ countryCode: 'DK', currency: 'dkk', amount: 7500 }] },
          { billingPeriod: 'ANNUALLY', billingModel: 'FLAT_FEE', currency: 'usd', amount: 10000 },
        ],
        entitlements: [{ featureId: 'feature-seats', value: 5 }],
        compatibleAddonIds: ['addon-seats', 'addon-draft'],
      },
      {
        id: 'plan-growth',
        productId: 'product-crm',
        displayName: 'Growth',
        pricingType: 'PAID',
        trial: { duration: 14, unit: 'DAY' },
        prices: [
          { billingPeriod: 'MONTHLY', billingModel: 'FLAT_FEE', currency: 'usd', amount: 4900, countryPrices: [{ countryCode: 'DK', currency: 'dkk', amount: 36500 }] },
          {
            billingPeriod: 'MONTHLY',
            billingModel: 'TIERED',
            tiersMode: 'GRADUATED',
            featureId: 'feature-seats',
            currency: 'usd',
            tiers: [{ upTo: 10, unitAmount: 1000 }, { unitAmount: 800 }],
            countryPrices: [{ countryCode: 'DK', currency: 'dkk', tiers: [{ upTo: 10, unitAmount: 7500 }, { unitAmount: 6000 }] }],
          },
        ],
        entitlements: [{ featureId: 'feature-seats', unlimited: true }, { featureId: 'feature-sso' }],
        compatibleAddonIds: ['addon-seats'],
      },
      { id: 'plan-enterprise', productId: 'product-crm', displayName: 'Enterprise', pricingType: 'CUSTOM', entitlements: [{ featureId: 'feature-sso' }] },
      { id: 'plan-legacy', productId: 'product-crm', displayName: 'Legacy', pricingType: 'FREE' },
      { id: 'plan-beta', productId: 'product-crm', displayName: 'Beta', pricingType: 'FREE', status: 'DRAFT' },
      { id: 'plan-other', productId: 'product-other', displayName: 'Other', pricingType: 'FREE' },
    ],
    addons: [
      {
        id: 'addon-seats',
        productId: 'product-crm',
        displayName: 'Five more seats',
        maxQuantity: 10,
        prices: [{ billingPeriod: 'MONTHLY', billingModel: 'FLAT_FEE', currency: 'usd', amount: 500, countryPrices: [{ countryCode: 'DK', currency: 'dkk', amount: 3500 }] }],
        entitlements: [{ featureId: 'feature-seats', value: 5 }],
      },
      { id: 'addon-draft', productId: 'product-crm', displayName: 'Draft', status: 'DRAFT', prices: [{ billingPeriod: 'MONTHLY', billingModel: 'FLAT_FEE', currency: 'usd', amount: 100 }] },
    ],
  };
}
