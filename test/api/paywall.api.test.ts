import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { applyCatalog } from '../../src/services/applyCatalog';
import { startApiHarness, type ApiHarness } from '../support/apiHarness';
import { expectAnswersDocumented, recordAnswers } from '../support/documentedAnswers';
import { paywallCatalogInput } from '../support/paywallCatalog';
import { createTestEnvironment } from '../support/testEnvironment';
import { catalogDocumentSchema } from '../../src/domain/catalog/catalogDocument';

// GET /v1/paywall against real Postgres and Temporal, without a billing integration (subscriptions start at once).
let harness: ApiHarness;
let key: string;
let environmentId: string;
let otherKey: string;

beforeAll(async () => {
  harness = await startApiHarness({ billing: 'none' });
  ({ apiKey: key, environmentId } = await createTestEnvironment(harness.database.db));
  const applied = await applyCatalog(harness.database.db, environmentId, catalogDocumentSchema.parse(paywallCatalogInput()));
  if (!applied.ok) throw new Error(JSON.stringify(applied.issues));
  otherKey = (await createTestEnvironment(harness.database.db)).apiKey;
});
afterAll(async () => harness?.stop());

const answers = recordAnswers(() => harness.app);
const api = answers.api;
afterEach(async () => expectAnswersDocumented(harness.app, answers.takeAnswers()));

const paywall = (query: string, apiKey = key) => api().get(`/v1/paywall?${query}`).set('X-API-KEY', apiKey);
let counter = 0;
async function newCustomer(planId?: string, extra: Record<string, unknown> = {}) {
  const customerId = `paywall-${++counter}`;
  await api().post('/v1/customers').set('X-API-KEY', key).send({ customerId, subscriptionParams: null }).expect(201);
  if (planId) await api().post('/v1/subscriptions').set('X-API-KEY', key).send({ customerId, planId, ...extra }).expect(201);
  return customerId;
}

// What the catalog says, written out (paywallCatalog.ts): the features as entitlements carry them.
const seats = { displayName: 'Seats', featureType: 'NUMBER', unit: 'seat', unitPlural: 'seats' };
const sso = { displayName: 'Single sign-on', description: 'SAML login', featureType: 'BOOLEAN' };
const flat = (billingPeriod: string, currency: string, amount: number, countryCode: string | null = null) => ({
  billingPeriod, billingModel: 'FLAT_FEE', featureId: null, currency, amount, tiersMode: null, tiers: null, countryCode,
});
const seatsAddon = (currency: string, amount: number, countryCode: string | null) => ({
  id: 'addon-seats', version: 1, displayName: 'Five more seats', pricingType: 'PAID', maxQuantity: 10,
  prices: [flat('MONTHLY', currency, amount, countryCode)],
  entitlements: [{ featureId: 'feature-seats', value: 5, feature: seats }],
});

describe('GET /v1/paywall', () => {
  it('lists the product\'s published plans in planOrder, then the unordered ones, with default prices, entitlements and add-ons', async () => {
    const body = (await paywall('productId=product-crm').expect(200)).body;
    expect(body).toEqual({
      productId: 'product-crm',
      billingCountryCode: null,
      customer: null,
      plans: [
        { id: 'plan-free', version: 1, displayName: 'Free', pricingType: 'FREE', prices: [], compatibleAddons: [], entitlements: [{ featureId: 'feature-seats', value: 1, feature: seats }] },
        {
          id: 'plan-starter', version: 1, displayName: 'Starter', description: 'For small teams', pricingType: 'PAID',
          prices: [flat('MONTHLY', 'usd', 1000), flat('ANNUALLY', 'usd', 10000)],
          entitlements: [{ featureId: 'feature-seats', value: 5, feature: seats }],
          // addon-draft is compatible too, but not on sale.
          compatibleAddons: [seatsAddon('usd', 500, null)],
        },
        {
          id: 'plan-growth', version: 1, displayName: 'Growth', pricingType: 'PAID', trial: { duration: 14, unit: 'DAY' },
          prices: [
            flat('MONTHLY', 'usd', 4900),
            { billingPeriod: 'MONTHLY', billingModel: 'TIERED', featureId: 'feature-seats', currency: 'usd', amount: null, tiersMode: 'GRADUATED', tiers: [{ upTo: 10, unitAmount: 1000 }, { unitAmount: 800 }], countryCode: null },
          ],
          entitlements: [{ featureId: 'feature-seats', unlimited: true, feature: seats }, { featureId: 'feature-sso', feature: sso }],
          compatibleAddons: [seatsAddon('usd', 500, null)],
        },
        { id: 'plan-enterprise', version: 1, displayName: 'Enterprise', pricingType: 'CUSTOM', prices: [], compatibleAddons: [], entitlements: [{ featureId: 'feature-sso', feature: sso }] },
        // Not in planOrder: after the ordered plans. plan-beta (a draft) and product-other's plan are left out.
        { id: 'plan-legacy', version: 1, displayName: 'Legacy', pricingType: 'FREE', prices: [], compatibleAddons: [], entitlements: [] },
      ],
    });
  });

  it('localizes each price for the billing country where the catalog has one, and keeps the default elsewhere', async () => {
    const body = (await paywall('productId=product-crm&billingCountryCode=DK').expect(200)).body;
    expect(body.billingCountryCode).toBe('DK');
    const byId = Object.fromEntries(body.plans.map((plan: { id: string }) => [plan.id, plan]));
    // Starter: the monthly price has a Danish price, the annual one does not (usd, as provisioning would charge).
    expect(byId['plan-starter'].prices).toEqual([flat('MONTHLY', 'dkk', 7500, 'DK'), flat('ANNUALLY', 'usd', 10000)]);
    expect(byId['plan-starter'].compatibleAddons).toEqual([seatsAddon('dkk', 3500, 'DK')]);
    expect(byId['plan-growth'].prices).toEqual([
      flat('MONTHLY', 'dkk', 36500, 'DK'),
      { billingPeriod: 'MONTHLY', billingModel: 'TIERED', featureId: 'feature-seats', currency: 'dkk', amount: null, tiersMode: 'GRADUATED', tiers: [{ upTo: 10, unitAmount: 7500 }, { unitAmount: 6000 }], countryCode: 'DK' },
    ]);
    // A country the catalog has no prices for: the defaults.
    const france = (await paywall('productId=product-crm&billingCountryCode=FR').expect(200)).body;
    expect(france.plans.find((plan: { id: string }) => plan.id === 'plan-starter').prices).toEqual([flat('MONTHLY', 'usd', 1000), flat('ANNUALLY', 'usd', 10000)]);
  });

  it('marks the customer\'s current plan and the plans after it in planOrder as upgrades', async () => {
    const customerId = await newCustomer('plan-starter', { billingPeriod: 'MONTHLY' });
    const body = (await paywall(`productId=product-crm&customerId=${customerId}`).expect(200)).body;
    const [subscription] = (await api().get(`/v1/customers/${customerId}/subscriptions`).set('X-API-KEY', key).expect(200)).body;
    expect(body.customer).toEqual({
      customerId,
      resourceId: null,
      currentPlanId: 'plan-starter',
      subscriptions: [{ subscriptionId: subscription.id, planId: 'plan-starter', planVersion: 1, status: 'ACTIVE', billingPeriod: 'MONTHLY' }],
    });
    expect(body.plans.map((plan: { id: string; isCurrentPlan: boolean; isUpgrade: boolean }) => [plan.id, plan.isCurrentPlan, plan.isUpgrade])).toEqual([
      ['plan-free', false, false],
      ['plan-starter', true, false],
      ['plan-growth', false, true],
      ['plan-enterprise', false, true],
      ['plan-legacy', false, false],
    ]);
  });

  it('counts a trial as the current plan, and a plan outside planOrder has no upgrades', async () => {
    const trialing = await newCustomer('plan-growth', { billingPeriod: 'MONTHLY', billableFeatures: [{ featureId: 'feature-seats', quantity: 3 }] });
    const trial = (await paywall(`productId=product-crm&customerId=${trialing}`).expect(200)).body;
    expect(trial.customer).toMatchObject({ currentPlanId: 'plan-growth', subscriptions: [{ planId: 'plan-growth', status: 'IN_TRIAL' }] });
    expect(trial.plans.filter((plan: { isUpgrade: boolean }) => plan.isUpgrade).map((plan: { id: string }) => plan.id)).toEqual(['plan-enterprise']);

    const legacy = await newCustomer('plan-legacy');
    const unordered = (await paywall(`productId=product-crm&customerId=${legacy}`).expect(200)).body;
    expect(unordered.customer.currentPlanId).toBe('plan-legacy');
    expect(unordered.plans.map((plan: { id: string; isCurrentPlan: boolean; isUpgrade: boolean }) => [plan.id, plan.isCurrentPlan, plan.isUpgrade])).toEqual([
      ['plan-free', false, false],
      ['plan-starter', false, false],
      ['plan-growth', false, false],
      ['plan-enterprise', false, false],
      ['plan-legacy', true, false],
    ]);
  });

  it('for a customer without a subscription on the product: no current plan, no upgrades', async () => {
    const customerId = await newCustomer('plan-other', { resourceId: 'site-1' });
    const body = (await paywall(`productId=product-crm&customerId=${customerId}`).expect(200)).body;
    expect(body.customer).toEqual({ customerId, resourceId: null, currentPlanId: null, subscriptions: [] });
    expect(body.plans.every((plan: { isCurrentPlan: boolean; isUpgrade: boolean }) => plan.isCurrentPlan === false && plan.isUpgrade === false)).toBe(true);
  });

  it('with a resourceId, takes the current plan from that resource\'s subscription only', async () => {
    const customerId = await newCustomer('plan-other', { resourceId: 'site-1' });
    const onResource = (await paywall(`productId=product-other&customerId=${customerId}&resourceId=site-1`).expect(200)).body;
    expect(onResource.customer).toMatchObject({ resourceId: 'site-1', currentPlanId: 'plan-other', subscriptions: [{ planId: 'plan-other', status: 'ACTIVE' }] });
    expect(onResource.plans).toMatchObject([{ id: 'plan-other', isCurrentPlan: true, isUpgrade: false }]);
    const elsewhere = (await paywall(`productId=product-other&customerId=${customerId}&resourceId=site-2`).expect(200)).body;
    expect(elsewhere.customer).toEqual({ customerId, resourceId: 'site-2', currentPlanId: null, subscriptions: [] });
  });

  it('shows a plan\'s latest published version while the customer stays on the version they bought', async () => {
    const { apiKey, environmentId: ownEnvironment } = await createTestEnvironment(harness.database.db);
    const db = harness.database.db;
    await applyCatalog(db, ownEnvironment, catalogDocumentSchema.parse(paywallCatalogInput()));
    const customerId = `paywall-version-${++counter}`;
    await api().post('/v1/customers').set('X-API-KEY', apiKey).send({ customerId, subscriptionParams: { planId: 'plan-starter', billingPeriod: 'MONTHLY' } }).expect(201);
    const raised = paywallCatalogInput();
    raised.plans.find((plan) => plan.id === 'plan-starter')!.prices![0]!.amount = 1200;
    const applied = await applyCatalog(db, ownEnvironment, catalogDocumentSchema.parse(raised));
    expect(applied).toMatchObject({ ok: true, changes: [{ entity: 'plan', id: 'plan-starter', action: 'versionPublished', version: 2 }] });

    const body = (await paywall(`productId=product-crm&customerId=${customerId}`, apiKey).expect(200)).body;
    const starter = body.plans.find((plan: { id: string }) => plan.id === 'plan-starter');
    expect(starter).toMatchObject({ version: 2, isCurrentPlan: true, prices: [flat('MONTHLY', 'usd', 1200), flat('ANNUALLY', 'usd', 10000)] });
    expect(body.customer.subscriptions).toMatchObject([{ planId: 'plan-starter', planVersion: 1 }]);
  });

  it('answers 404 naming productId for an unknown product, an archived one, or one of another environment', async () => {
    const { apiKey: archivingKey, environmentId: archiving } = await createTestEnvironment(harness.database.db);
    await applyCatalog(harness.database.db, archiving, catalogDocumentSchema.parse(paywallCatalogInput()));
    await paywall('productId=product-other', archivingKey).expect(200);
    const withoutOther = paywallCatalogInput();
    withoutOther.products = withoutOther.products.filter((product) => product.id !== 'product-other');
    withoutOther.plans = withoutOther.plans.filter((plan) => plan.productId !== 'product-other');
    expect(await applyCatalog(harness.database.db, archiving, catalogDocumentSchema.parse(withoutOther))).toMatchObject({ ok: true, changed: true });
    for (const [query, apiKey] of [['productId=product-missing', key], ['productId=product-crm', otherKey], ['productId=product-other', archivingKey]] as const) {
      const error = (await paywall(query, apiKey).expect(404)).body.error;
      expect(error).toMatchObject({ code: 'NOT_FOUND', field: 'productId' });
    }
  });

  it('answers 404 naming customerId for an unknown or archived customer', async () => {
    expect((await paywall('productId=product-crm&customerId=nobody').expect(404)).body.error).toMatchObject({ code: 'NOT_FOUND', field: 'customerId', message: 'customer "nobody" was not found' });
    const archived = await newCustomer();
    // Archival itself is another route's work; the paywall only has to treat the archived row as gone.
    await harness.database.db.updateTable('customers').set({ archived_at: new Date() }).where('environment_id', '=', environmentId).where('id', '=', archived).execute();
    expect((await paywall(`productId=product-crm&customerId=${archived}`).expect(404)).body.error).toMatchObject({ code: 'NOT_FOUND', field: 'customerId' });
  });

  it('answers 400 naming the parameter for a bad country code, a missing productId, an unknown parameter or a lone resourceId', async () => {
    const cases: [string, string][] = [
      ['productId=product-crm&billingCountryCode=XX', 'billingCountryCode'],
      ['productId=product-crm&billingCountryCode=dk', 'billingCountryCode'],
      ['customerId=someone', 'productId'],
      ['productId=product-crm&country=DK', 'country'],
      ['productId=product-crm&resourceId=site-1', 'resourceId'],
      ['productId=product-crm&productId=product-other', 'productId'],
    ];
    for (const [query, field] of cases) {
      const error = (await paywall(query).expect(400)).body.error;
      expect({ query, code: error.code, field: error.field }).toEqual({ query, code: 'INVALID_INPUT', field });
    }
  });
});
