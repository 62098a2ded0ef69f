// The billingInfo of the seed's provisionCustomer example, field for field.
export const SEED_BILLING_INFO = {
  language: 'en',
  timezone: 'America/New_York',
  customerName: 'The name of the customer for the billing provider',
  billingAddress: { country: 'US', city: 'New York', state: 'NY', addressLine1: '123 Main Street', addressLine2: 'Apt. 1', phoneNumber: '+1 212-499-5321', postalCode: '10164' },
  shippingAddress: { country: 'US', city: 'New York', state: 'NY', addressLine1: '123 Main Street', addressLine2: 'Apt. 1', phoneNumber: '+1 212-499-5321', postalCode: '10164' },
  taxIds: [
    { type: 'au_abn', value: '12345678912' },
    { type: 'us_ein', value: '12-3456789' },
  ],
  invoiceCustomFields: { lorem: 'ipsum', acme: 'co' },
  paymentMethodId: 'pm_1LcBMDAnAO1PFouUusJSmaPu',
  currency: 'usd',
  metadata: { hello: 'world' },
};
