import { readFileSync } from 'node:fs';
import request from 'supertest';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { workflowIds } from '../../src/workflows/workflowIds';
import { startApiHarness, type ApiHarness } from '../support/apiHarness';
import { EXAMPLE_CATALOG_FILE, exampleCatalogInput } from '../support/exampleCatalog';
import { createTestEnvironment } from '../support/testEnvironment';

let harness: ApiHarness;
beforeAll(async () => void (harness = await startApiHarness({ billing: 'stripe' })));
afterAll(async () => harness?.stop());

const api = () => request(harness.app);
const exampleYaml = readFileSync(EXAMPLE_CATALOG_FILE, 'utf8');

async function waitForSync(environmentId: string) {
  return harness.client.workflow.getHandle(workflowIds.syncCatalog(environmentId)).result();
}

function stripePricesOf(environmentId: string, packageId: string) {
  return [...harness.stripe!.state.prices.values()].filter(
    (price) => price.metadata.tollgate_environment === environmentId && price.metadata.tollgate_package_id === packageId,
  );
}

describe('the catalog over HTTP', () => {
  it('applies a YAML document, changes nothing the second time, and serves it back', async () => {
    const { apiKey } = await createTestEnvironment(harness.database.db);
    const first = await api().put('/v1/catalog').set('X-API-KEY', apiKey).set('Content-Type', 'application/yaml').send(exampleYaml);
    expect(first.status).toBe(200);
    expect(first.body.changed).toBe(true);
    const second = await api().put('/v1/catalog').set('X-API-KEY', apiKey).set('Content-Type', 'application/yaml').send(exampleYaml);
    expect(second.body).toEqual({ changed: false, changes: [] });

    const catalog = await api().get('/v1/catalog').set('X-API-KEY', apiKey);
    expect(catalog.body.plans.map((p: { id: string; version: number; pricingType: string }) => [p.id, p.version, p.pricingType])).toEqual([
      ['plan-basic', 1, 'PAID'],
      ['plan-free', 1, 'FREE'],
      ['plan-pro', 1, 'PAID'],
    ]);
    expect(catalog.body.features.find((f: { id: string }) => f.id === 'feature-api-calls')).toMatchObject({ featureType: 'NUMBER', meterType: 'Incremental' });
    expect(catalog.body.plans.find((p: { id: string }) => p.id === 'plan-pro')).toMatchObject({ trial: { duration: 14, unit: 'DAY' }, entitlements: expect.any(Array) });
  });

  it('syncs products and prices to Stripe, and a changed price becomes a new Stripe price with the old one archived', async () => {
    const { apiKey, environmentId } = await createTestEnvironment(harness.database.db);
    const applied = await api().put('/v1/catalog').set('X-API-KEY', apiKey).send(exampleCatalogInput());
    expect(applied.body.billingSync.workflowId).toBe(workflowIds.syncCatalog(environmentId));
    await waitForSync(environmentId);

    const products = [...harness.stripe!.state.products.values()].filter((p) => p.metadata.tollgate_environment === environmentId);
    expect(products.map((p) => p.metadata.tollgate_package_id).sort()).toEqual(['addon-extra-projects', 'plan-basic', 'plan-pro']);
    expect(stripePricesOf(environmentId, 'plan-basic').map((p) => [p.currency, p.unit_amount, (p.recurring as { interval: string }).interval]).sort()).toEqual([
      ['dkk', 13900, 'month'],
      ['usd', 1900, 'month'],
      ['usd', 19000, 'year'],
    ]);
    const tiered = stripePricesOf(environmentId, 'plan-pro').find((p) => p.billing_scheme === 'tiered')!;
    expect(tiered).toMatchObject({ tiers_mode: 'graduated' });

    const changed = exampleCatalogInput();
    changed.plans[1]!.prices![0]!.amount = 2500;
    await api().put('/v1/catalog').set('X-API-KEY', apiKey).send(changed).expect(200);
    await waitForSync(environmentId);
    const basic = stripePricesOf(environmentId, 'plan-basic');
    expect(basic.filter((p) => p.active).map((p) => [p.metadata.tollgate_version, p.currency, p.unit_amount]).sort()).toEqual([
      ['2', 'dkk', 13900],
      ['2', 'usd', 19000],
      ['2', 'usd', 2500],
    ]);
    expect(basic.filter((p) => !p.active).map((p) => p.metadata.tollgate_version)).toEqual(['1', '1', '1']);
    const productCount = harness.stripe!.state.products.size;

    // Re-applying the same document starts no sync and creates nothing in Stripe.
    const again = await api().put('/v1/catalog').set('X-API-KEY', apiKey).send(changed);
    expect(again.body).toEqual({ changed: false, changes: [] });
    expect(harness.stripe!.state.products.size).toBe(productCount);
  });

  it('skips what Stripe refuses, syncs the rest, and retries the refused item on the next sync', async () => {
    const { apiKey, environmentId } = await createTestEnvironment(harness.database.db);
    harness.stripe!.failNext(1, 400);
    await api().put('/v1/catalog').set('X-API-KEY', apiKey).send(exampleCatalogInput()).expect(200);
    const result = (await waitForSync(environmentId)) as { products: number; refused: { item: string; message: string }[] };
    expect(result.refused).toEqual([{ item: 'product addon-extra-projects', message: expect.stringContaining('Stripe') }]);
    expect(result.products).toBe(2);
    expect(stripePricesOf(environmentId, 'plan-pro')).toHaveLength(4);
    expect(stripePricesOf(environmentId, 'addon-extra-projects')).toHaveLength(0);

    const changed = exampleCatalogInput();
    changed.plans[0]!.displayName = 'Free forever';
    await api().put('/v1/catalog').set('X-API-KEY', apiKey).send(changed).expect(200);
    expect(await waitForSync(environmentId)).toMatchObject({ refused: [] });
    expect(stripePricesOf(environmentId, 'addon-extra-projects')).toHaveLength(2);
  });

  it('rejects an invalid document whole, naming the path, and changes nothing', async () => {
    const { apiKey } = await createTestEnvironment(harness.database.db);
    await api().put('/v1/catalog').set('X-API-KEY', apiKey).send(exampleCatalogInput()).expect(200);
    const before = (await api().get('/v1/catalog').set('X-API-KEY', apiKey)).body;

    const dangling = exampleCatalogInput();
    dangling.plans[0]!.displayName = 'Renamed';
    dangling.plans[1]!.entitlements!.push({ featureId: 'feature-ghost', value: 1 });
    const response = await api().put('/v1/catalog').set('X-API-KEY', apiKey).send(dangling);
    expect(response.status).toBe(400);
    expect(response.body.error).toMatchObject({ code: 'INVALID_INPUT', field: 'plans[1].entitlements[3].featureId' });

    const duplicate = exampleCatalogInput();
    duplicate.plans.push({ ...duplicate.plans[0]! });
    expect((await api().put('/v1/catalog').set('X-API-KEY', apiKey).send(duplicate)).body.error.field).toBe('plans[3].id');

    const badYaml = await api().put('/v1/catalog').set('X-API-KEY', apiKey).set('Content-Type', 'application/yaml').send('plans: [unclosed');
    expect(badYaml.status).toBe(400);
    expect((await api().put('/v1/catalog').set('X-API-KEY', apiKey).send([1, 2])).status).toBe(400);
    expect((await api().get('/v1/catalog').set('X-API-KEY', apiKey)).body).toEqual(before);
  });

  it('refuses (422) to change the type of an existing feature', async () => {
    const { apiKey } = await createTestEnvironment(harness.database.db);
    await api().put('/v1/catalog').set('X-API-KEY', apiKey).set('Content-Type', 'application/yaml').send(exampleYaml).expect(200);
    const retyped = exampleCatalogInput();
    retyped.features[0]!.meterType = 'Incremental';
    const response = await api().put('/v1/catalog').set('X-API-KEY', apiKey).set('Content-Type', 'application/yaml').send(stringify(retyped));
    expect(response.status).toBe(422);
    expect(response.body.error).toMatchObject({ code: 'CATALOG_CHANGE_REFUSED', field: 'features[0].featureType' });
  });
});
