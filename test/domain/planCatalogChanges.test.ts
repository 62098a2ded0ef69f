import { describe, expect, it } from 'vitest';
import { packageContent, planCatalogChanges, type CatalogChange, type StoredCatalog } from '../../src/domain/catalog/planCatalogChanges';
import { exampleCatalog, type exampleCatalogInput } from '../support/exampleCatalog';

const emptyStore = (): StoredCatalog => ({ products: new Map(), features: new Map(), coupons: new Map(), meters: new Map(), packages: new Map() });

// What the store holds after the example catalog was applied once, with every package at version 1.
function storeOf(catalog = exampleCatalog(), status: 'PUBLISHED' | 'DRAFT' = 'PUBLISHED'): StoredCatalog {
  const entities = <T extends { id: string }>(items: T[]) => new Map(items.map((definition) => [definition.id, { definition, archived: false }]));
  return {
    products: entities(catalog.products),
    features: entities(catalog.features),
    coupons: entities(catalog.coupons),
    meters: entities(catalog.meters),
    packages: new Map(
      [...catalog.plans.map((p) => ['PLAN', p] as const), ...catalog.addons.map((a) => ['ADDON', a] as const)].map(([kind, definition]) => [
        definition.id,
        {
          kind,
          productId: definition.productId,
          archived: false,
          latest: { version: 1, status, content: JSON.parse(JSON.stringify(packageContent(definition))) },
          published: status === 'PUBLISHED' ? { version: 1, content: JSON.parse(JSON.stringify(packageContent(definition))) } : null,
        },
      ]),
    ),
  };
}

describe('planning catalog changes', () => {
  it('creates everything on an empty store, add-ons before the plans that list them', () => {
    const { changes, issues } = planCatalogChanges(emptyStore(), exampleCatalog());
    expect(issues).toEqual([]);
    const packages = changes.filter((c) => c.type === 'package');
    expect(packages.map((c) => c.id)).toEqual(['addon-extra-projects', 'plan-free', 'plan-basic', 'plan-pro']);
    expect(packages.every((c) => c.type === 'package' && c.versionAction === 'insert' && c.version === 1 && c.status === 'PUBLISHED')).toBe(true);
    expect(changes.filter((c) => c.type === 'upsert').map((c) => c.id)).toContain('feature-seats');
  });

  it('changes nothing when the same document is applied again', () => {
    expect(planCatalogChanges(storeOf(), exampleCatalog())).toEqual({ changes: [], issues: [] });
  });

  it('publishes a new version when a published plan changes, and leaves the old one alone', () => {
    const changed = exampleCatalog((c) => (c.plans[1]!.prices![0]!.amount = 2500));
    const { changes } = planCatalogChanges(storeOf(), changed);
    expect(changes).toEqual([expect.objectContaining({ type: 'package', id: 'plan-basic', versionAction: 'insert', version: 2, status: 'PUBLISHED', packageAction: 'keep' })]);
  });

  it('rewrites a draft in place and publishes it when asked', () => {
    const draftStore = storeOf(exampleCatalog(), 'DRAFT');
    // plan-free starts and ends customer journeys, so it is published; the others stay drafts.
    const draftsBut = (change?: (input: ReturnType<typeof exampleCatalogInput>) => void) =>
      exampleCatalog((c) => {
        c.plans.slice(1).forEach((p) => ((p as { status?: string }).status = 'DRAFT'));
        change?.(c);
      });
    const planChanges = (changes: CatalogChange[]) => changes.filter((c) => c.type === 'package' && c.entity === 'plan' && c.id !== 'plan-free');
    expect(planChanges(planCatalogChanges(draftStore, draftsBut()).changes)).toEqual([]);
    const editedDraft = draftsBut((c) => (c.plans[1]!.displayName = 'Basic plus'));
    expect(planChanges(planCatalogChanges(draftStore, editedDraft).changes)).toEqual([
      expect.objectContaining({ id: 'plan-basic', versionAction: 'replaceDraft', version: 1, status: 'DRAFT' }),
    ]);
    expect(planCatalogChanges(draftStore, exampleCatalog()).changes).toContainEqual(
      expect.objectContaining({ id: 'plan-basic', versionAction: 'replaceDraft', version: 1, status: 'PUBLISHED' }),
    );
  });

  it('drafts a new version beside a published one without touching it', () => {
    const draft = exampleCatalog((c) => {
      (c.plans[2] as { status?: string }).status = 'DRAFT';
      c.plans[2]!.displayName = 'Pro 2';
    });
    expect(planCatalogChanges(storeOf(), draft).changes).toEqual([expect.objectContaining({ id: 'plan-pro', versionAction: 'insert', version: 2, status: 'DRAFT' })]);
  });

  it('leaves a pending draft alone when the document repeats the published version (the plain GET answer)', () => {
    const store = storeOf();
    const pro = store.packages.get('plan-pro')!;
    pro.latest = { version: 2, status: 'DRAFT', content: { ...(pro.latest!.content as object), displayName: 'Pro 2' } };
    expect(planCatalogChanges(store, exampleCatalog())).toEqual({ changes: [], issues: [] });
    const published = exampleCatalog((c) => (c.plans[2]!.displayName = 'Pro 2'));
    expect(planCatalogChanges(store, published).changes).toEqual([expect.objectContaining({ id: 'plan-pro', versionAction: 'replaceDraft', version: 2, status: 'PUBLISHED' })]);
  });

  it('refuses a journey plan that has no published version, and accepts a draft beside a published one', () => {
    const draftFree = exampleCatalog((c) => ((c.plans[0] as { status?: string }).status = 'DRAFT'));
    const { issues } = planCatalogChanges(emptyStore(), draftFree);
    expect(issues).toEqual([
      { path: 'products[0].customerJourney.initialPlanId', message: 'plan "plan-free" has no PUBLISHED version: customers can only be put on a published plan' },
      { path: 'products[0].customerJourney.fallbackPlanId', message: 'plan "plan-free" has no PUBLISHED version: customers can only be put on a published plan' },
    ]);
    expect(planCatalogChanges(storeOf(exampleCatalog(), 'DRAFT'), draftFree).issues).toHaveLength(2);
    expect(planCatalogChanges(storeOf(), draftFree).issues).toEqual([]);
  });

  it('archives what the document no longer lists and restores it when it returns', () => {
    const withoutBasic = exampleCatalog((c) => {
      c.plans.splice(1, 1);
      (c as { coupons: unknown[] }).coupons = [];
    });
    const { changes } = planCatalogChanges(storeOf(), withoutBasic);
    expect(changes).toEqual([
      { type: 'archive', entity: 'coupon', id: 'coupon-launch' },
      { type: 'archive', entity: 'plan', id: 'plan-basic' },
    ]);

    const archivedStore = storeOf();
    archivedStore.packages.get('plan-basic')!.archived = true;
    expect(planCatalogChanges(archivedStore, exampleCatalog()).changes).toEqual([
      expect.objectContaining({ id: 'plan-basic', packageAction: 'restore', versionAction: 'none', version: 1 }),
    ]);
  });

  it('refuses to change a feature type or move a plan to another product', () => {
    const store = storeOf();
    const retyped = exampleCatalog((c) => (c.features[0]!.meterType = 'Incremental'));
    expect(planCatalogChanges(store, retyped).issues).toEqual([
      { path: 'features[0].featureType', message: 'feature "feature-seats" is NUMBER metered Fluctuating; its type cannot change (create a new feature instead)' },
    ]);
    store.packages.get('plan-pro')!.productId = 'product-other';
    expect(planCatalogChanges(store, exampleCatalog()).issues[0]?.path).toBe('plans[2].productId');
  });
});
