import Tollgate, { TollgateError, type Paywall } from '@tollgate/node-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { paywallCatalogInput } from '../support/paywallCatalog';
import { startSdkService, type SdkService } from '../support/sdkService';

// getPaywall through the SDK against the real service (no billing integration: subscriptions start at once).
let service: SdkService;
let client: Tollgate;

beforeAll(async () => {
  service = await startSdkService(paywallCatalogInput());
  client = Tollgate.initialize({ apiKey: service.apiKey, baseUri: service.baseUri, realtimeUpdatesEnabled: false });
  await client.waitForInitialization();
});
afterAll(async () => {
  await client?.close();
  await service?.stop();
});

const summary = (paywall: Paywall) => paywall.plans.map((plan) => [plan.id, plan.prices.map((price) => `${price.billingPeriod} ${price.amount ?? 'tiered'} ${price.currency}`), plan.isCurrentPlan, plan.isUpgrade]);

describe('getPaywall', () => {
  it('returns the published plans in planOrder with prices localized for the billing country', async () => {
    const paywall = await client.getPaywall({ productId: 'product-crm', billingCountryCode: 'DK' });
    expect(paywall.customer).toBeNull();
    expect(summary(paywall)).toEqual([
      ['plan-free', [], undefined, undefined],
      ['plan-starter', ['MONTHLY 7500 dkk', 'ANNUALLY 10000 usd'], undefined, undefined],
      ['plan-growth', ['MONTHLY 36500 dkk', 'MONTHLY tiered dkk'], undefined, undefined],
      ['plan-enterprise', [], undefined, undefined],
      ['plan-legacy', [], undefined, undefined],
    ]);
    expect(paywall.plans[1]!.compatibleAddons.map((addon) => [addon.id, addon.prices[0]!.amount, addon.prices[0]!.currency])).toEqual([['addon-seats', 3500, 'dkk']]);
  });

  it('with a customer, marks their current plan and the upgrades', async () => {
    await client.provisionCustomer({ customerId: 'sdk-paywall-1', subscriptionParams: { planId: 'plan-free' } });
    const paywall = await client.getPaywall({ productId: 'product-crm', customerId: 'sdk-paywall-1' });
    expect(paywall.customer).toMatchObject({ customerId: 'sdk-paywall-1', resourceId: null, currentPlanId: 'plan-free', subscriptions: [{ planId: 'plan-free', planVersion: 1, status: 'ACTIVE' }] });
    expect(summary(paywall)).toEqual([
      ['plan-free', [], true, false],
      ['plan-starter', ['MONTHLY 1000 usd', 'ANNUALLY 10000 usd'], false, true],
      ['plan-growth', ['MONTHLY 4900 usd', 'MONTHLY tiered usd'], false, true],
      ['plan-enterprise', [], false, true],
      ['plan-legacy', [], false, false],
    ]);
  });

  it('rejects with the service\'s code and field: unknown product, unknown customer, bad country', async () => {
    const failure = (request: Parameters<Tollgate['getPaywall']>[0]) => client.getPaywall(request).catch((error: unknown) => error as TollgateError);
    expect(await failure({ productId: 'product-missing' })).toMatchObject({ name: 'TollgateError', status: 404, code: 'NOT_FOUND', field: 'productId' });
    expect(await failure({ productId: 'product-crm', customerId: 'nobody' })).toMatchObject({ status: 404, field: 'customerId' });
    const badCountry = await failure({ productId: 'product-crm', billingCountryCode: 'Denmark' });
    expect(badCountry).toBeInstanceOf(TollgateError);
    expect(badCountry).toMatchObject({ status: 400, code: 'INVALID_INPUT', field: 'billingCountryCode' });
  });
});
