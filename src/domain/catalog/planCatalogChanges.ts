import { canonicalJson } from '../canonicalJson';
import type {
  AddonDefinition,
  CatalogDocument,
  CouponDefinition,
  FeatureDefinition,
  MeterDefinition,
  PlanDefinition,
  ProductDefinition,
} from './catalogDocument';
import type { CatalogIssue } from './validateCatalog';

export type PackageKind = 'PLAN' | 'ADDON';
export type VersionStatus = 'DRAFT' | 'PUBLISHED';
export type PackageDefinition = PlanDefinition | AddonDefinition;

export type StoredEntity<T> = { definition: T; archived: boolean };
export type StoredPackage = {
  kind: PackageKind;
  productId: string;
  archived: boolean;
  latest: { version: number; status: VersionStatus; content: unknown } | null;
  // The newest published version, when there is one (the latest, or the one below a draft).
  published: { version: number; content: unknown } | null;
};

// What the database holds now, in the document's own terms.
export type StoredCatalog = {
  products: Map<string, StoredEntity<ProductDefinition>>;
  features: Map<string, StoredEntity<FeatureDefinition>>;
  coupons: Map<string, StoredEntity<CouponDefinition>>;
  meters: Map<string, StoredEntity<MeterDefinition>>;
  packages: Map<string, StoredPackage>;
};

export type SimpleEntity = 'product' | 'feature' | 'coupon' | 'meter';
export type CatalogChange =
  | { type: 'upsert'; entity: 'product'; id: string; action: UpsertAction; definition: ProductDefinition }
  | { type: 'upsert'; entity: 'feature'; id: string; action: UpsertAction; definition: FeatureDefinition }
  | { type: 'upsert'; entity: 'coupon'; id: string; action: UpsertAction; definition: CouponDefinition }
  | { type: 'upsert'; entity: 'meter'; id: string; action: UpsertAction; definition: MeterDefinition }
  | { type: 'archive'; entity: SimpleEntity | 'plan' | 'addon'; id: string }
  | {
      type: 'package';
      entity: 'plan' | 'addon';
      id: string;
      packageAction: 'create' | 'restore' | 'keep';
      // insert: a new version; replaceDraft: rewrite the latest draft in place; none: the version is unchanged.
      versionAction: 'insert' | 'replaceDraft' | 'none';
      version: number;
      status: VersionStatus;
      content: PackageContent;
      definition: PackageDefinition;
    };
type UpsertAction = 'created' | 'updated' | 'restored';

export type PackageContent = Omit<PackageDefinition, 'id' | 'status'>;

export function packageContent(definition: PackageDefinition): PackageContent {
  const { id: _id, status: _status, ...content } = definition;
  return content;
}

// Compares the desired document with what is stored and lists the writes that make them equal.
// Published versions are never rewritten: a changed published plan gets a new version.
export function planCatalogChanges(stored: StoredCatalog, desired: CatalogDocument): { changes: CatalogChange[]; issues: CatalogIssue[] } {
  const changes: CatalogChange[] = [];
  const issues: CatalogIssue[] = [];

  desired.features.forEach((feature, index) => {
    const existing = stored.features.get(feature.id)?.definition;
    if (existing && (existing.featureType !== feature.featureType || existing.meterType !== feature.meterType)) {
      issues.push({
        path: `features[${index}].featureType`,
        message: `feature "${feature.id}" is ${describeType(existing)}; its type cannot change (create a new feature instead)`,
      });
    }
  });
  const checkPackage = (kind: PackageKind, list: PackageDefinition[], base: 'plans' | 'addons') =>
    list.forEach((definition, index) => {
      const existing = stored.packages.get(definition.id);
      if (!existing) return;
      if (existing.kind !== kind)
        issues.push({ path: `${base}[${index}].id`, message: `"${definition.id}" is already the id of ${existing.kind === 'PLAN' ? 'a plan' : 'an add-on'}` });
      else if (existing.productId !== definition.productId)
        issues.push({ path: `${base}[${index}].productId`, message: `"${definition.id}" belongs to product "${existing.productId}" and cannot move` });
    });
  checkPackage('PLAN', desired.plans, 'plans');
  checkPackage('ADDON', desired.addons, 'addons');
  issues.push(...checkJourneyPlansArePublished(stored, desired));
  if (issues.length > 0) return { changes: [], issues };

  const simple = <E extends SimpleEntity, T extends { id: string }>(entity: E, storedMap: Map<string, StoredEntity<T>>, wanted: T[]) => {
    for (const definition of wanted) {
      const existing = storedMap.get(definition.id);
      const action: UpsertAction | undefined = !existing
        ? 'created'
        : existing.archived
          ? 'restored'
          : canonicalJson(existing.definition) !== canonicalJson(definition)
            ? 'updated'
            : undefined;
      if (action) changes.push({ type: 'upsert', entity, id: definition.id, action, definition } as unknown as CatalogChange);
    }
  };
  simple('product', stored.products, desired.products);
  simple('feature', stored.features, desired.features);

  // Add-ons first: a plan version lists the add-ons it is compatible with.
  for (const [entity, list] of [['addon', desired.addons], ['plan', desired.plans]] as const) {
    for (const definition of list) {
      const change = planPackage(definition, entity, stored.packages.get(definition.id));
      if (change) changes.push(change);
    }
  }
  simple('coupon', stored.coupons, desired.coupons);
  simple('meter', stored.meters, desired.meters);

  const archive = (entity: CatalogChange['entity'], ids: Iterable<[string, { archived: boolean }]>, wanted: { id: string }[], kind?: PackageKind) => {
    const keep = new Set(wanted.map((item) => item.id));
    for (const [id, existing] of ids) {
      if (existing.archived || keep.has(id)) continue;
      if (kind && (existing as StoredPackage).kind !== kind) continue;
      changes.push({ type: 'archive', entity, id });
    }
  };
  archive('meter', stored.meters, desired.meters);
  archive('coupon', stored.coupons, desired.coupons);
  archive('plan', stored.packages, desired.plans, 'PLAN');
  archive('addon', stored.packages, desired.addons, 'ADDON');
  archive('feature', stored.features, desired.features);
  archive('product', stored.products, desired.products);
  return { changes, issues };
}

function planPackage(definition: PackageDefinition, entity: 'plan' | 'addon', existing: StoredPackage | undefined): CatalogChange | undefined {
  const content = packageContent(definition);
  const base = { type: 'package' as const, entity, id: definition.id, content, definition, status: definition.status };
  const packageAction = !existing ? 'create' : existing.archived ? 'restore' : 'keep';
  const latest = existing?.latest;
  if (!latest) return { ...base, packageAction, versionAction: 'insert', version: 1 };

  const sameContent = canonicalJson(latest.content) === canonicalJson(content);
  if (latest.status === 'DRAFT') {
    if (sameContent && definition.status === 'DRAFT') return packageAction === 'keep' ? undefined : { ...base, packageAction, versionAction: 'none', version: latest.version };
    // The published version already says this (GET /v1/catalog shows it so): it stays on sale, the draft stays pending.
    const published = existing.published;
    if (definition.status === 'PUBLISHED' && published && canonicalJson(published.content) === canonicalJson(content))
      return packageAction === 'keep' ? undefined : { ...base, packageAction, versionAction: 'none', version: published.version };
    return { ...base, packageAction, versionAction: 'replaceDraft', version: latest.version };
  }
  if (sameContent) return packageAction === 'keep' ? undefined : { ...base, packageAction, versionAction: 'none', version: latest.version, status: 'PUBLISHED' };
  return { ...base, packageAction, versionAction: 'insert', version: latest.version + 1 };
}

function describeType(feature: FeatureDefinition): string {
  return feature.meterType === 'None' ? feature.featureType : `${feature.featureType} metered ${feature.meterType}`;
}

// A customer is only ever put on a published version: a journey plan that is a DRAFT in the document
// needs a version already on sale (a draft beside it is fine).
function checkJourneyPlansArePublished(stored: StoredCatalog, desired: CatalogDocument): CatalogIssue[] {
  const drafts = new Set(desired.plans.filter((plan) => plan.status === 'DRAFT').map((plan) => plan.id));
  return desired.products.flatMap((product, index) =>
    (['initialPlanId', 'fallbackPlanId'] as const).flatMap((key) => {
      const planId = product.customerJourney[key];
      if (planId === undefined || !drafts.has(planId) || stored.packages.get(planId)?.published) return [];
      return [{ path: `products[${index}].customerJourney.${key}`, message: `plan "${planId}" has no PUBLISHED version: customers can only be put on a published plan` }];
    }),
  );
}
