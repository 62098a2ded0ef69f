import { describe, expect, it } from 'vitest';
import { checkCatalogDocument, parseCatalogText } from '../../src/domain/catalog/parseCatalogDocument';
import { exampleCatalogInput } from '../support/exampleCatalog';

function issuesOf(change: (input: ReturnType<typeof exampleCatalogInput>) => void) {
  const input = exampleCatalogInput();
  change(input);
  const result = checkCatalogDocument(input);
  return result.ok ? [] : result.issues;
}

describe('catalog document validation', () => {
  it('accepts the shipped example catalog', () => {
    expect(checkCatalogDocument(exampleCatalogInput())).toMatchObject({ ok: true });
  });

  it('names the path of a shape error', () => {
    expect(issuesOf((c) => ((c.plans[1]!.prices![0] as { amount: unknown }).amount = 19.5))).toEqual([
      { path: 'plans[1].prices[0].amount', message: 'must be an integer amount in minor units (cents)' },
    ]);
    expect(issuesOf((c) => ((c.features[0] as { featureType: string }).featureType = 'TEXT'))[0]?.path).toBe('features[0].featureType');
  });

  it('rejects duplicate ids, across plans and add-ons too', () => {
    expect(issuesOf((c) => c.features.push({ ...c.features[0]! }))).toContainEqual({ path: 'features[5].id', message: 'duplicate id "feature-seats"' });
    expect(issuesOf((c) => (c.addons[0]!.id = 'plan-pro'))).toContainEqual({ path: 'addons[0].id', message: '"plan-pro" is already the id of a plan' });
  });

  it('rejects dangling references, naming each', () => {
    const issues = issuesOf((c) => {
      c.plans[0]!.entitlements![0]!.featureId = 'feature-missing';
      c.plans[1]!.productId = 'product-missing';
      c.plans[1]!.compatibleAddonIds = ['addon-missing'];
      c.products[0]!.customerJourney = { initialPlanId: 'plan-missing' };
    });
    expect(issues.map((i) => i.path)).toEqual(
      expect.arrayContaining([
        'plans[0].entitlements[0].featureId',
        'plans[1].productId',
        'plans[1].compatibleAddonIds[0]',
        'products[0].customerJourney.initialPlanId',
      ]),
    );
  });

  it('refuses a plan order naming an unknown plan, a plan of another product or a plan twice', () => {
    const issues = issuesOf((c) => {
      c.products.push({ id: 'product-other', displayName: 'Other' });
      c.plans.push({ id: 'plan-other', productId: 'product-other', displayName: 'Other', pricingType: 'FREE' });
      c.products[0]!.planOrder = ['plan-free', 'plan-missing', 'plan-other', 'plan-free'];
    });
    expect(issues).toEqual([
      { path: 'products[0].planOrder[1]', message: 'unknown plan "plan-missing"' },
      { path: 'products[0].planOrder[2]', message: 'plan "plan-other" belongs to product "product-other"' },
      { path: 'products[0].planOrder[3]', message: 'plan listed twice' },
    ]);
    expect(issuesOf((c) => (c.products[0]!.planOrder = ['plan-free', 'plan-basic', 'plan-pro']))).toEqual([]);
  });

  it('refuses a paid fallback plan and a paid initial plan without a trial', () => {
    const issues = issuesOf((c) => (c.products[0]!.customerJourney = { initialPlanId: 'plan-basic', fallbackPlanId: 'plan-pro' }));
    expect(issues.map((i) => i.path)).toEqual(['products[0].customerJourney.initialPlanId', 'products[0].customerJourney.fallbackPlanId']);
    expect(issuesOf((c) => (c.products[0]!.customerJourney = { initialPlanId: 'plan-pro' }))).toEqual([]);
  });

  it('refuses a CUSTOM initial plan: only FREE, or PAID with a trial, can take a new customer', () => {
    const custom = issuesOf((c) => {
      c.plans.push({ id: 'plan-enterprise', productId: 'product-app', displayName: 'Enterprise', pricingType: 'CUSTOM' });
      c.products[0]!.customerJourney = { initialPlanId: 'plan-enterprise', fallbackPlanId: 'plan-free' };
    });
    expect(custom).toEqual([
      {
        path: 'products[0].customerJourney.initialPlanId',
        message: 'the initial plan must be FREE, or PAID with a trial: new customers have no payment method and no negotiated price yet',
      },
    ]);
    const customFallback = issuesOf((c) => {
      c.plans.push({ id: 'plan-enterprise', productId: 'product-app', displayName: 'Enterprise', pricingType: 'CUSTOM' });
      c.products[0]!.customerJourney = { fallbackPlanId: 'plan-enterprise' };
    });
    expect(customFallback.map((i) => i.path)).toEqual(['products[0].customerJourney.fallbackPlanId']);
  });

  it('accepts the version number GET /v1/catalog shows, and drops it', () => {
    const result = checkCatalogDocument({ ...exampleCatalogInput(), plans: exampleCatalogInput().plans.map((plan) => ({ ...plan, version: 7 })) });
    expect(result.ok && result.catalog.plans.every((plan) => !('version' in plan))).toBe(true);
    expect(issuesOf((c) => Object.assign(c.addons[0]!, { version: 'latest' }))[0]?.path).toBe('addons[0].version');
  });

  it('checks prices: paid plans need one, free plans have none, one currency per period, per-unit needs a number feature', () => {
    expect(issuesOf((c) => (c.plans[1]!.prices = []))).toContainEqual({ path: 'plans[1].prices', message: 'a PAID package needs at least one price' });
    expect(issuesOf((c) => (c.plans[0]!.prices = [{ billingPeriod: 'MONTHLY', billingModel: 'FLAT_FEE', currency: 'usd', amount: 1 }]))[0]?.path).toBe('plans[0].prices');
    expect(issuesOf((c) => (c.plans[2]!.prices![1]!.currency = 'eur'))).toContainEqual({
      path: 'plans[2].prices[1].currency',
      message: 'all MONTHLY prices must share one currency (usd)',
    });
    expect(issuesOf((c) => (c.plans[2]!.prices![1]!.featureId = 'feature-sso'))[0]?.message).toMatch(/BOOLEAN and cannot be billed per unit/);
  });

  it('checks tiers are increasing and end open-ended', () => {
    const issues = issuesOf((c) => (c.plans[2]!.prices![3]!.tiers = [{ upTo: 10, unitAmount: 1 }, { upTo: 5, unitAmount: 1 }]));
    expect(issues.map((i) => i.path)).toEqual(['plans[2].prices[3].tiers[1].upTo', 'plans[2].prices[3].tiers[1].upTo']);
  });

  it('checks entitlements fit the feature type', () => {
    expect(issuesOf((c) => c.plans[2]!.entitlements!.push({ featureId: 'feature-seats', value: 3 }))[0]?.path).toBe('plans[2].entitlements[4].value');
    expect(issuesOf((c) => (c.plans[2]!.entitlements![2] = { featureId: 'feature-sso', value: 1 }))[0]?.path).toBe('plans[2].entitlements[2].value');
    expect(issuesOf((c) => (c.plans[0]!.entitlements![1] = { featureId: 'feature-projects' }))[0]?.message).toMatch(/exactly one of value or unlimited/);
    expect(issuesOf((c) => (c.plans[0]!.entitlements![0] = { featureId: 'feature-seats', usageLimit: 2, resetPeriod: 'MONTH' }))[0]?.message).toMatch(/never resets/);
  });

  it('checks coupons and meters', () => {
    expect(issuesOf((c) => ((c as { coupons: unknown[] }).coupons = [{ id: 'c', displayName: 'C', discountType: 'FIXED', durationType: 'ONCE' }]))[0]).toEqual({
      path: 'coupons[0].amountsOff',
      message: 'required for FIXED coupons',
    });
    const meterIssues = issuesOf((c) => ((c as { meters: unknown[] }).meters = [{ id: 'm', featureId: 'feature-projects', eventName: 'e', aggregation: { function: 'SUM' } }]));
    expect(meterIssues.map((i) => i.path)).toEqual(['meters[0].featureId', 'meters[0].aggregation.field']);
  });

  it('reads YAML and JSON text, and reports unreadable text', () => {
    expect(parseCatalogText(JSON.stringify(exampleCatalogInput()))).toMatchObject({ ok: true });
    expect(parseCatalogText('products: [')).toMatchObject({ ok: false, issues: [{ path: '(document)' }] });
    expect(parseCatalogText('plans: 5')).toMatchObject({ ok: false, issues: [{ path: 'plans' }] });
  });
});
