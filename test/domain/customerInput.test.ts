import { describe, expect, it } from 'vitest';
import { SEED_BILLING_INFO } from '../support/seedExamples';
import { provisionCustomerSchema, updateCustomerSchema } from '../../src/domain/customers/customerInput';

const firstIssue = (result: { success: boolean; error?: { issues: { path: PropertyKey[]; message: string }[] } }) =>
  result.success ? undefined : { path: result.error!.issues[0]!.path.join('.'), message: result.error!.issues[0]!.message };

describe('customer input', () => {
  it('accepts the seed\'s provisionCustomer example as written', () => {
    const seedExample = {
      customerId: 'customer-test-id',
      name: 'My very first customer',
      email: 'john@example.com',
      couponId: 'coupon-test-id',
      subscriptionParams: {
        planId: 'plan-basic',
        resourceId: 'resource-01',
        billableFeatures: [{ featureId: 'feature-01-templates', quantity: 2 }],
        billingPeriod: 'MONTHLY',
        addons: [{ addonId: 'addon-extra-stuff', quantity: 1 }],
        promotionCode: 'STIGG30',
        billingCountryCode: 'DK',
        metadata: { key: 'value' },
        billingInformation: { taxPercentage: 17 },
      },
      billingInfo: SEED_BILLING_INFO,
      metadata: { key: 'value' },
    };
    expect(provisionCustomerSchema.safeParse(seedExample).success).toBe(true);
  });

  it('tells "no initial subscription" (null) apart from "let the customer journey decide" (absent)', () => {
    expect(provisionCustomerSchema.parse({ customerId: 'a', subscriptionParams: null }).subscriptionParams).toBeNull();
    expect('subscriptionParams' in provisionCustomerSchema.parse({ customerId: 'a' })).toBe(false);
  });

  it.each([
    [{}, 'customerId', 'Invalid input: expected string, received undefined'],
    [{ customerId: '' }, 'customerId', 'Too small: expected string to have >=1 characters'],
    [{ customerId: 'a', email: 'john@' }, 'email', 'must be an email address'],
    [{ customerId: 'a', metadata: [] }, 'metadata', 'must be an object of string values'],
    [{ customerId: 'a', billingInfo: { timezone: 'Mars/Olympus' } }, 'billingInfo.timezone', 'must be an IANA time zone such as "America/New_York"'],
    [{ customerId: 'a', billingInfo: { shippingAddress: { country: 'us' } } }, 'billingInfo.shippingAddress.country', 'must be an ISO-3166-1 alpha-2 country code, e.g. "US"'],
    [{ customerId: 'a', subscriptionParams: { planId: 'p', billingCountryCode: 'ZZ' } }, 'subscriptionParams.billingCountryCode', 'must be an ISO-3166-1 alpha-2 country code, e.g. "US"'],
    [{ customerId: 'a', subscriptionParams: { planId: 'p', unitQuantity: 0 } }, 'subscriptionParams.unitQuantity', 'Too small: expected number to be >=1'],
    [{ customerId: 'a', billingInfo: { paymentMethodId: 'card_123' } }, 'billingInfo.paymentMethodId', 'must be a payment method id ("pm_…")'],
  ])('rejects %j at %s', (input, path, message) => {
    expect(firstIssue(provisionCustomerSchema.safeParse(input))).toEqual({ path, message });
  });

  it('lets an update name any subset of fields, and clear name or email with null', () => {
    expect(updateCustomerSchema.parse({})).toEqual({});
    expect(updateCustomerSchema.parse({ name: null, email: null })).toEqual({ name: null, email: null });
    expect(firstIssue(updateCustomerSchema.safeParse({ customerId: 'other' }))?.message).toMatch(/Unrecognized key/);
  });
});
