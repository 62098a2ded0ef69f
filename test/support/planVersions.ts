import type { Db } from '../../src/db/createDb';
import { applyCatalog } from '../../src/services/applyCatalog';
import { subscriptionTestCatalog } from './subscriptionFixtures';

// Version 2 of plan-basic and addon-extra-projects: dearer (monthly 19.00 → 29.00, add-on 5.00 → 7.00) and more
// generous (20 → 30 projects, add-on 10 → 15), so a grandfathered subscription and a migrated one differ in both.
export function secondVersionCatalog() {
  const catalog = subscriptionTestCatalog();
  const basic = catalog.plans!.find((plan) => plan.id === 'plan-basic')!;
  const monthly = basic.prices!.find((price) => price.billingPeriod === 'MONTHLY')!;
  Object.assign(monthly, { amount: 2900 });
  const projects = basic.entitlements!.find((entitlement) => entitlement.featureId === 'feature-projects')!;
  Object.assign(projects, { value: 30 });
  const addon = catalog.addons!.find((entry) => entry.id === 'addon-extra-projects')!;
  Object.assign(addon.prices!.find((price) => price.billingPeriod === 'MONTHLY')!, { amount: 700 });
  Object.assign(addon.entitlements![0]!, { value: 15 });
  return catalog;
}

export async function publishSecondVersions(db: Db, environmentId: string) {
  const result = await applyCatalog(db, environmentId, secondVersionCatalog());
  if (!result.ok) throw new Error(`catalog refused: ${JSON.stringify(result.issues)}`);
  return result.changes;
}
