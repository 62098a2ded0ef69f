import Tollgate, { TollgateError } from '@tollgate/node-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSdkService, type SdkService } from '../support/sdkService';

// The SDK's estimateSubscription / estimateSubscriptionUpdate against the real service (no billing provider: the
// engine's figures), with the seed's argument shapes; dates come back as Date. Seed catalog: plan-basic 19.00/month +
// 5.00 a template, add-on 3.00/month.
let service: SdkService;
let client: Tollgate;

beforeAll(async () => {
  service = await startSdkService();
  client = Tollgate.initialize({ apiKey: service.apiKey, baseUri: service.baseUri });
  await client.waitForInitialization();
}, 120_000);
afterAll(async () => {
  await client?.close();
  await service?.stop();
});

const usd = (amount: number) => ({ amount, currency: 'usd' });

describe('estimates through the SDK', () => {
  it('estimateSubscription with the seed\'s arguments', async () => {
    await client.provisionCustomer({ customerId: 'customer-estimate-01', subscriptionParams: null });
    const startDate = new Date('2030-05-31T00:00:00Z');
    const estimate = await client.estimateSubscription({
      customerId: 'customer-estimate-01', billingPeriod: 'MONTHLY', planId: 'plan-basic',
      billableFeatures: [{ featureId: 'feature-01-templates', quantity: 2 }], addons: [{ addonId: 'addon-extra-stuff', quantity: 1 }],
      billingInformation: { taxPercentage: 17 }, startDate, billingCountryCode: 'US', resourceId: 'resource-01',
    });
    // Lines 1900, 2 × 500 = 1000, 300 → 3200; 17 % on each: 323 + 170 + 51 = 544.
    expect(estimate).toMatchObject({ subTotal: usd(3200), tax: usd(544), total: usd(3744), taxDetails: { displayName: 'Tax', inclusive: false, percentage: 17 }, source: 'ENGINE' });
    expect(estimate.billingPeriodRange.start).toEqual(startDate);
    expect(estimate.billingPeriodRange.end).toEqual(new Date('2030-06-30T00:00:00Z'));
  });

  it('estimateSubscriptionUpdate: the proration with its date as a Date; a refusal is a TollgateError naming the field', async () => {
    const { subscription } = await client.provisionCustomer({
      customerId: 'customer-estimate-02',
      subscriptionParams: { planId: 'plan-basic', resourceId: 'resource-01', billingPeriod: 'MONTHLY', billableFeatures: [{ featureId: 'feature-01-templates', quantity: 2 }] },
    });
    const estimate = await client.estimateSubscriptionUpdate({ subscriptionId: subscription!.id, billableFeatures: [{ featureId: 'feature-01-templates', quantity: 3 }] });
    const start = Math.floor(subscription!.currentBillingPeriodStart!.getTime() / 1000);
    const end = Math.floor(subscription!.currentBillingPeriodEnd!.getTime() / 1000);
    expect(estimate.proration!.prorationDate).toBeInstanceOf(Date);
    const remaining = end - Math.floor(estimate.proration!.prorationDate.getTime() / 1000);
    // −2 × 500 and +3 × 500 for the remaining time, each rounded to the cent (halves away from zero).
    const round = (amount: number) => Math.floor((2 * amount * remaining + (end - start)) / (2 * (end - start)));
    expect(estimate.proration).toMatchObject({ credit: usd(-round(1000)), debit: usd(round(1500)), netAmount: usd(round(1500) - round(1000)) });
    expect(estimate.subscription).toMatchObject({ total: usd(1900 + 1500) });
    const refused = await client.estimateSubscriptionUpdate({ subscriptionId: subscription!.id, addons: [{ addonId: 'addon-nope', quantity: 1 }] }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(TollgateError);
    expect(refused).toMatchObject({ field: 'addons[0].addonId' });
  });
});
