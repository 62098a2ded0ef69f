import { describe, expect, it } from 'vitest';
import type { CatalogDocument } from '../../src/domain/catalog/catalogDocument';
import type { PackageView } from '../../src/domain/catalog/packageView';
import type { SubscriptionParams } from '../../src/domain/customers/customerInput';
import { resolveSubscriptionRequest, type SubscriptionCatalog } from '../../src/domain/subscriptions/subscriptionRequest';
import { exampleCatalog } from '../support/exampleCatalog';

// The example catalog plus what the rules need to meet: a multi-subscription product, a plan with two per-unit
// features, drafts, a free add-on, an add-on priced yearly only, and a plan whose product is archived.
function catalogDocument(): CatalogDocument {
  return exampleCatalog((input) => {
    input.products.push({ id: 'product-api', displayName: 'API', multipleSubscriptions: true }, { id: 'product-old', displayName: 'Old' });
    input.plans.find((plan) => plan.id === 'plan-free')!.compatibleAddonIds = ['addon-extra-projects', 'addon-support'];
    input.plans.push(
      { id: 'plan-api', productId: 'product-api', displayName: 'API', pricingType: 'FREE' },
      {
        id: 'plan-team',
        productId: 'product-app',
        displayName: 'Team',
        pricingType: 'PAID',
        compatibleAddonIds: ['addon-extra-projects', 'addon-draft', 'addon-support', 'addon-annual'],
        prices: [
          { billingPeriod: 'MONTHLY', billingModel: 'PER_UNIT', featureId: 'feature-seats', currency: 'usd', amount: 1000 },
          { billingPeriod: 'MONTHLY', billingModel: 'PER_UNIT', featureId: 'feature-projects', currency: 'usd', amount: 200 },
        ],
      },
      { id: 'plan-draft', productId: 'product-app', displayName: 'Draft', pricingType: 'FREE', status: 'DRAFT' },
      { id: 'plan-orphan', productId: 'product-old', displayName: 'Orphan', pricingType: 'FREE' },
    );
    input.addons.push(
      { id: 'addon-draft', productId: 'product-app', displayName: 'Draft add-on', status: 'DRAFT', prices: [{ billingPeriod: 'MONTHLY', billingModel: 'FLAT_FEE', currency: 'usd', amount: 100 }] },
      { id: 'addon-support', productId: 'product-app', displayName: 'Community support', pricingType: 'FREE' },
      { id: 'addon-annual', productId: 'product-app', displayName: 'Yearly only', prices: [{ billingPeriod: 'ANNUALLY', billingModel: 'FLAT_FEE', currency: 'usd', amount: 1000 }] },
    );
  });
}

// Shaped as listLivePackages answers: the version's content, then id, version, status and kind.
function subscriptionCatalog(document: CatalogDocument, archivedProducts: string[] = ['product-old']): SubscriptionCatalog {
  const view = (kind: 'PLAN' | 'ADDON') => ({ id, status, ...content }: { id: string; status: 'PUBLISHED' | 'DRAFT' }) =>
    ({ ...content, id, version: 3, status, kind }) as PackageView;
  const packages = [...document.plans.map(view('PLAN')), ...document.addons.map(view('ADDON'))];
  return {
    packages: new Map(packages.map((pkg) => [pkg.id, pkg])),
    featureIds: new Set(document.features.map((feature) => feature.id)),
    products: new Map(document.products.filter((p) => !archivedProducts.includes(p.id)).map((p) => [p.id, { multipleSubscriptions: p.multipleSubscriptions }])),
  };
}

const CATALOG = subscriptionCatalog(catalogDocument());
const resolve = (params: SubscriptionParams, base?: string) => resolveSubscriptionRequest(params, CATALOG, base);
const problemOf = (params: SubscriptionParams, base?: string) => {
  const resolved = resolve(params, base);
  if (!('problem' in resolved)) throw new Error(`resolved: ${JSON.stringify(resolved.request)}`);
  return resolved.problem;
};
const requestOf = (params: SubscriptionParams) => {
  const resolved = resolve(params);
  if (!('request' in resolved)) throw new Error(`problem: ${JSON.stringify(resolved.problem)}`);
  return resolved.request;
};

describe('resolveSubscriptionRequest: good input', () => {
  it('resolves a flat-fee paid plan with its period, no resource', () => {
    const request = requestOf({ planId: 'plan-basic', billingPeriod: 'MONTHLY' });
    expect(request).toEqual({ plan: CATALOG.packages.get('plan-basic'), productId: 'product-app', resourceId: null, billingPeriod: 'MONTHLY', billableFeatures: [], addons: [] });
    expect(request.plan).toMatchObject({ id: 'plan-basic', version: 3, status: 'PUBLISHED', kind: 'PLAN' });
  });

  it('resolves a free plan without a billing period', () => {
    expect(requestOf({ planId: 'plan-free' })).toMatchObject({ plan: { id: 'plan-free' }, billingPeriod: null, billableFeatures: [], addons: [] });
  });

  it('takes unitQuantity as the quantity of the plan\'s one per-unit feature', () => {
    expect(requestOf({ planId: 'plan-pro', billingPeriod: 'MONTHLY', unitQuantity: 3 }).billableFeatures).toEqual([{ featureId: 'feature-seats', quantity: 3 }]);
  });

  it('takes billableFeatures for a tiered per-unit price (pro, yearly)', () => {
    expect(requestOf({ planId: 'plan-pro', billingPeriod: 'ANNUALLY', billableFeatures: [{ featureId: 'feature-seats', quantity: 12 }] }).billableFeatures).toEqual([
      { featureId: 'feature-seats', quantity: 12 },
    ]);
  });

  it('takes every per-unit feature of a plan that bills two', () => {
    const billableFeatures = [
      { featureId: 'feature-projects', quantity: 4 },
      { featureId: 'feature-seats', quantity: 7 },
    ];
    expect(requestOf({ planId: 'plan-team', billingPeriod: 'MONTHLY', billableFeatures }).billableFeatures).toEqual(billableFeatures);
  });

  it('resolves compatible add-ons up to their maxQuantity, with their catalog view', () => {
    const request = requestOf({ planId: 'plan-pro', billingPeriod: 'MONTHLY', unitQuantity: 1, addons: [{ addonId: 'addon-extra-projects', quantity: 10 }] });
    expect(request.addons).toEqual([{ addon: CATALOG.packages.get('addon-extra-projects'), quantity: 10 }]);
    expect(request.addons[0]!.addon).toMatchObject({ kind: 'ADDON', version: 3, maxQuantity: 10 });
  });

  it('accepts a free add-on on a free plan, and a paid add-on priced for the chosen period', () => {
    expect(requestOf({ planId: 'plan-free', addons: [{ addonId: 'addon-support', quantity: 1 }] }).addons.map((a) => a.addon.id)).toEqual(['addon-support']);
    const team = { planId: 'plan-team', billingPeriod: 'MONTHLY' as const, billableFeatures: [{ featureId: 'feature-seats', quantity: 1 }, { featureId: 'feature-projects', quantity: 1 }] };
    expect(requestOf({ ...team, addons: [{ addonId: 'addon-support', quantity: 2 }, { addonId: 'addon-extra-projects', quantity: 1 }] }).addons.map((a) => [a.addon.id, a.quantity])).toEqual([
      ['addon-support', 2],
      ['addon-extra-projects', 1],
    ]);
  });

  it('keeps the resourceId on a product that allows several subscriptions', () => {
    expect(requestOf({ planId: 'plan-api', resourceId: 'site-1' })).toMatchObject({ productId: 'product-api', resourceId: 'site-1' });
  });
});

type Problem = { status: 400 | 404; field: string; message?: RegExp };
const problems: [string, SubscriptionParams, Problem][] = [
  ['an unknown plan', { planId: 'plan-nope' }, { status: 404, field: 'planId', message: /plan-nope/ }],
  ['an add-on given as the plan', { planId: 'addon-extra-projects' }, { status: 404, field: 'planId', message: /addon-extra-projects/ }],
  ['a plan that is only a draft', { planId: 'plan-draft' }, { status: 400, field: 'planId', message: /not published/ }],
  ['a plan whose product is archived', { planId: 'plan-orphan' }, { status: 404, field: 'planId', message: /product-old/ }],
  ['no resourceId on a multi-subscription product', { planId: 'plan-api' }, { status: 400, field: 'resourceId', message: /required/ }],
  ['a resourceId on a single-subscription product', { planId: 'plan-free', resourceId: 'site-1' }, { status: 400, field: 'resourceId', message: /not accepted/ }],
  ['a paid plan without billingPeriod', { planId: 'plan-basic' }, { status: 400, field: 'billingPeriod', message: /MONTHLY or ANNUALLY/ }],
  ['a period the plan has no price for', { planId: 'plan-team', billingPeriod: 'ANNUALLY' }, { status: 400, field: 'billingPeriod', message: /no ANNUALLY price/ }],
  ['a per-unit plan without its quantity', { planId: 'plan-pro', billingPeriod: 'MONTHLY' }, { status: 400, field: 'billableFeatures', message: /feature-seats/ }],
  ['one of two per-unit quantities missing', { planId: 'plan-team', billingPeriod: 'MONTHLY', billableFeatures: [{ featureId: 'feature-seats', quantity: 2 }] }, { status: 400, field: 'billableFeatures', message: /feature-projects/ }],
  ['an unknown billable feature', { planId: 'plan-pro', billingPeriod: 'MONTHLY', billableFeatures: [{ featureId: 'feature-nope', quantity: 1 }] }, { status: 404, field: 'billableFeatures[0].featureId', message: /feature-nope/ }],
  ['a feature the plan does not bill per unit', { planId: 'plan-pro', billingPeriod: 'MONTHLY', billableFeatures: [{ featureId: 'feature-seats', quantity: 1 }, { featureId: 'feature-projects', quantity: 1 }] }, { status: 400, field: 'billableFeatures[1].featureId', message: /per unit/ }],
  ['billable features on a free plan', { planId: 'plan-free', billableFeatures: [{ featureId: 'feature-seats', quantity: 1 }] }, { status: 400, field: 'billableFeatures[0].featureId' }],
  ['a billable feature listed twice', { planId: 'plan-pro', billingPeriod: 'MONTHLY', billableFeatures: [{ featureId: 'feature-seats', quantity: 1 }, { featureId: 'feature-seats', quantity: 2 }] }, { status: 400, field: 'billableFeatures[1].featureId', message: /twice/ }],
  ['unitQuantity on a plan with no per-unit price', { planId: 'plan-basic', billingPeriod: 'MONTHLY', unitQuantity: 2 }, { status: 400, field: 'unitQuantity' }],
  ['unitQuantity on a plan with two per-unit prices', { planId: 'plan-team', billingPeriod: 'MONTHLY', unitQuantity: 2 }, { status: 400, field: 'unitQuantity', message: /billableFeatures/ }],
  ['both unitQuantity and billableFeatures', { planId: 'plan-pro', billingPeriod: 'MONTHLY', unitQuantity: 2, billableFeatures: [{ featureId: 'feature-seats', quantity: 2 }] }, { status: 400, field: 'unitQuantity', message: /not both/ }],
  ['an unknown add-on', { planId: 'plan-basic', billingPeriod: 'MONTHLY', addons: [{ addonId: 'addon-nope', quantity: 1 }] }, { status: 404, field: 'addons[0].addonId', message: /addon-nope/ }],
  ['a plan given as an add-on', { planId: 'plan-basic', billingPeriod: 'MONTHLY', addons: [{ addonId: 'plan-pro', quantity: 1 }] }, { status: 404, field: 'addons[0].addonId', message: /plan-pro/ }],
  ['an add-on that is only a draft', { planId: 'plan-team', billingPeriod: 'MONTHLY', billableFeatures: [{ featureId: 'feature-seats', quantity: 1 }, { featureId: 'feature-projects', quantity: 1 }], addons: [{ addonId: 'addon-draft', quantity: 1 }] }, { status: 400, field: 'addons[0].addonId', message: /not published/ }],
  ['an add-on not compatible with the plan', { planId: 'plan-basic', billingPeriod: 'MONTHLY', addons: [{ addonId: 'addon-support', quantity: 1 }] }, { status: 400, field: 'addons[0].addonId', message: /not compatible/ }],
  ['an add-on listed twice', { planId: 'plan-basic', billingPeriod: 'MONTHLY', addons: [{ addonId: 'addon-extra-projects', quantity: 1 }, { addonId: 'addon-extra-projects', quantity: 1 }] }, { status: 400, field: 'addons[1].addonId', message: /twice/ }],
  ['an add-on quantity over maxQuantity', { planId: 'plan-basic', billingPeriod: 'MONTHLY', addons: [{ addonId: 'addon-extra-projects', quantity: 11 }] }, { status: 400, field: 'addons[0].quantity', message: /at most 10/ }],
  ['a paid add-on with no price for the period', { planId: 'plan-team', billingPeriod: 'MONTHLY', billableFeatures: [{ featureId: 'feature-seats', quantity: 1 }, { featureId: 'feature-projects', quantity: 1 }], addons: [{ addonId: 'addon-annual', quantity: 1 }] }, { status: 400, field: 'addons[0].addonId', message: /no MONTHLY price/ }],
  ['a paid add-on on a free plan', { planId: 'plan-free', addons: [{ addonId: 'addon-extra-projects', quantity: 1 }] }, { status: 400, field: 'addons[0].addonId', message: /paid/ }],
  ['a later add-on at fault is named by its own index', { planId: 'plan-basic', billingPeriod: 'MONTHLY', addons: [{ addonId: 'addon-extra-projects', quantity: 1 }, { addonId: 'addon-nope', quantity: 1 }] }, { status: 404, field: 'addons[1].addonId' }],
];

describe('resolveSubscriptionRequest: problems', () => {
  it.each(problems)('%s', (_case, params, expected) => {
    const problem = problemOf(params);
    expect({ status: problem.status, code: problem.code, field: problem.field }).toEqual({
      status: expected.status,
      code: expected.status === 404 ? 'UNKNOWN_REFERENCE' : 'INVALID_INPUT',
      field: expected.field,
    });
    if (expected.message) expect(problem.message).toMatch(expected.message);
  });

  it('prefixes every field with base, as provisionCustomer\'s subscriptionParams', () => {
    expect(problemOf({ planId: 'plan-nope' }, 'subscriptionParams').field).toBe('subscriptionParams.planId');
    expect(problemOf({ planId: 'plan-basic', billingPeriod: 'MONTHLY', addons: [{ addonId: 'addon-extra-projects', quantity: 11 }] }, 'subscriptionParams').field).toBe(
      'subscriptionParams.addons[0].quantity',
    );
    expect(problemOf({ planId: 'plan-pro', billingPeriod: 'MONTHLY' }, 'subscriptionParams').field).toBe('subscriptionParams.billableFeatures');
  });

  it('treats a plan as unknown once its product is archived, and known again when it is not', () => {
    const withOldProduct = subscriptionCatalog(catalogDocument(), []);
    expect(resolveSubscriptionRequest({ planId: 'plan-orphan' }, withOldProduct, '')).toMatchObject({ request: { productId: 'product-old' } });
  });
});
