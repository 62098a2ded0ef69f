import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyCatalog } from '../../src/services/applyCatalog';
import { readCatalog } from '../../src/services/readCatalog';
import { createTestDatabase, type TestDatabase } from '../support/testDatabase';
import { createTestEnvironment } from '../support/testEnvironment';
import { exampleCatalog } from '../support/exampleCatalog';

let database: TestDatabase;
beforeAll(async () => void (database = await createTestDatabase()));
afterAll(async () => database.drop());

async function versionsOf(environmentId: string, packageId: string) {
  return database.db
    .selectFrom('package_versions')
    .select(['version', 'status', 'display_name'])
    .where('environment_id', '=', environmentId)
    .where('package_id', '=', packageId)
    .orderBy('version')
    .execute();
}

describe('applying a catalog to Postgres', () => {
  it('stores the example catalog, and applying it again changes nothing', async () => {
    const { environmentId } = await createTestEnvironment(database.db);
    const first = await applyCatalog(database.db, environmentId, exampleCatalog());
    expect(first).toMatchObject({ ok: true, changed: true });
    const second = await applyCatalog(database.db, environmentId, exampleCatalog());
    expect(second).toEqual({ ok: true, changed: false, changes: [] });

    const catalog = await readCatalog(database.db, environmentId);
    expect(catalog.plans.map((p) => [p.id, p.version, p.status, p.pricingType])).toEqual([
      ['plan-basic', 1, 'PUBLISHED', 'PAID'],
      ['plan-free', 1, 'PUBLISHED', 'FREE'],
      ['plan-pro', 1, 'PUBLISHED', 'PAID'],
    ]);
    const pro = catalog.plans.find((p) => p.id === 'plan-pro')!;
    expect(pro).toMatchObject({ productId: 'product-app', trial: { duration: 14, unit: 'DAY' } });
    expect(pro.prices).toHaveLength(4);
    const prices = await database.db.selectFrom('package_prices').select(['country_code', 'currency', 'amount']).where('country_code', '=', 'DK').execute();
    expect(prices).toEqual([{ country_code: 'DK', currency: 'dkk', amount: 13900 }]);
  });

  it('stores a product\'s plan order without a new plan version, and reads it back', async () => {
    const { environmentId } = await createTestEnvironment(database.db);
    await applyCatalog(database.db, environmentId, exampleCatalog());
    const ordered = exampleCatalog((c) => (c.products[0]!.planOrder = ['plan-free', 'plan-basic', 'plan-pro']));
    expect(await applyCatalog(database.db, environmentId, ordered)).toEqual({
      ok: true,
      changed: true,
      changes: [{ entity: 'product', id: 'product-app', action: 'updated' }],
    });
    expect(await applyCatalog(database.db, environmentId, ordered)).toEqual({ ok: true, changed: false, changes: [] });
    expect((await readCatalog(database.db, environmentId)).products[0]!.planOrder).toEqual(['plan-free', 'plan-basic', 'plan-pro']);
    expect(await versionsOf(environmentId, 'plan-pro')).toEqual([{ version: 1, status: 'PUBLISHED', display_name: 'Pro' }]);
  });

  it('publishes a new version of a changed plan and keeps the old version with its prices', async () => {
    const { environmentId } = await createTestEnvironment(database.db);
    await applyCatalog(database.db, environmentId, exampleCatalog());
    const result = await applyCatalog(database.db, environmentId, exampleCatalog((c) => (c.plans[1]!.prices![0]!.amount = 2500)));
    expect(result).toEqual({ ok: true, changed: true, changes: [{ entity: 'plan', id: 'plan-basic', action: 'versionPublished', version: 2 }] });
    expect(await versionsOf(environmentId, 'plan-basic')).toEqual([
      { version: 1, status: 'PUBLISHED', display_name: 'Basic' },
      { version: 2, status: 'PUBLISHED', display_name: 'Basic' },
    ]);
    const amounts = await database.db
      .selectFrom('package_prices as p')
      .innerJoin('package_versions as v', 'v.id', 'p.package_version_id')
      .select(['v.version', 'p.amount'])
      .where('v.environment_id', '=', environmentId)
      .where('v.package_id', '=', 'plan-basic')
      .where('p.billing_period', '=', 'MONTHLY')
      .where('p.country_code', 'is', null)
      .orderBy('v.version')
      .execute();
    expect(amounts).toEqual([{ version: 1, amount: 1900 }, { version: 2, amount: 2500 }]);
    const catalog = await readCatalog(database.db, environmentId);
    expect(catalog.plans.find((p) => p.id === 'plan-basic')).toMatchObject({ version: 2 });
  });

  it('keeps a draft out of the live catalog until it is published', async () => {
    const { environmentId } = await createTestEnvironment(database.db);
    await applyCatalog(database.db, environmentId, exampleCatalog());
    await applyCatalog(database.db, environmentId, exampleCatalog((c) => Object.assign(c.plans[2]!, { status: 'DRAFT', displayName: 'Pro II' })));
    expect((await readCatalog(database.db, environmentId)).plans.find((p) => p.id === 'plan-pro')).toMatchObject({ version: 1, displayName: 'Pro' });
    const published = await applyCatalog(database.db, environmentId, exampleCatalog((c) => (c.plans[2]!.displayName = 'Pro II')));
    expect(published).toMatchObject({ changes: [{ id: 'plan-pro', action: 'draftPublished', version: 2 }] });
    expect((await readCatalog(database.db, environmentId)).plans.find((p) => p.id === 'plan-pro')).toMatchObject({ version: 2, displayName: 'Pro II', status: 'PUBLISHED' });
  });

  it('archives a plan dropped from the document and restores it unchanged', async () => {
    const { environmentId } = await createTestEnvironment(database.db);
    await applyCatalog(database.db, environmentId, exampleCatalog());
    await applyCatalog(database.db, environmentId, exampleCatalog((c) => c.plans.splice(1, 1)));
    expect((await readCatalog(database.db, environmentId)).plans.map((p) => p.id)).toEqual(['plan-free', 'plan-pro']);
    const restored = await applyCatalog(database.db, environmentId, exampleCatalog());
    expect(restored).toMatchObject({ changes: [{ id: 'plan-basic', action: 'restored' }] });
    expect(await versionsOf(environmentId, 'plan-basic')).toHaveLength(1);
  });

  it('keeps environments apart: the same ids live independently in two environments', async () => {
    const a = await createTestEnvironment(database.db);
    const b = await createTestEnvironment(database.db);
    await applyCatalog(database.db, a.environmentId, exampleCatalog());
    expect(await readCatalog(database.db, b.environmentId)).toEqual({ products: [], features: [], plans: [], addons: [], coupons: [], meters: [] });
    await applyCatalog(database.db, b.environmentId, exampleCatalog((c) => (c.plans[1]!.displayName = 'Basic B')));
    expect((await readCatalog(database.db, a.environmentId)).plans.find((p) => p.id === 'plan-basic')).toMatchObject({ displayName: 'Basic', version: 1 });
  });

  it('serialises concurrent applies of one change: exactly one new version', async () => {
    const { environmentId } = await createTestEnvironment(database.db);
    await applyCatalog(database.db, environmentId, exampleCatalog());
    const changed = exampleCatalog((c) => (c.plans[1]!.prices![0]!.amount = 3100));
    const results = await Promise.all([1, 2, 3].map(() => applyCatalog(database.db, environmentId, changed)));
    expect(results.filter((r) => r.ok && r.changed)).toHaveLength(1);
    expect(await versionsOf(environmentId, 'plan-basic')).toHaveLength(2);
  });
});
