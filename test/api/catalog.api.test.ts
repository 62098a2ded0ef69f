import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { stringify } from 'yaml';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { workflowIds } from '../../src/workflows/workflowIds';
import { startApiHarness, type ApiHarness } from '../support/apiHarness';
import { expectAnswersDocumented, recordAnswers } from '../support/documentedAnswers';
import { EXAMPLE_CATALOG_FILE, exampleCatalogInput } from '../support/exampleCatalog';
import { hostileCatalogYaml } from '../support/hostileCatalog';
import { createTestEnvironment } from '../support/testEnvironment';

let harness: ApiHarness;
beforeAll(async () => void (harness = await startApiHarness({ billing: 'stripe' })));
afterAll(async () => harness?.stop());

// Every answer these flows get must be one the OpenAPI document lists, with a body valid against its schema.
const answers = recordAnswers(() => harness.app);
const api = answers.api;
afterEach(async () => expectAnswersDocumented(harness.app, answers.takeAnswers()));
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

describe('the catalog round trip', () => {
  it('takes back both GET answers unchanged, with a draft beside a published plan and a draft-only plan', async () => {
    const { apiKey } = await createTestEnvironment(harness.database.db);
    await api().put('/v1/catalog').set('X-API-KEY', apiKey).send(exampleCatalogInput()).expect(200);
    const withDrafts = exampleCatalogInput();
    Object.assign(withDrafts.plans[2]!, { status: 'DRAFT', displayName: 'Pro 2' });
    withDrafts.plans.push({ id: 'plan-enterprise', productId: 'product-app', displayName: 'Enterprise', pricingType: 'CUSTOM', status: 'DRAFT' });
    await api().put('/v1/catalog').set('X-API-KEY', apiKey).send(withDrafts).expect(200);

    const live = (await api().get('/v1/catalog').set('X-API-KEY', apiKey).expect(200)).body;
    expect(live.plans.map((p: { id: string; version: number; status: string; displayName: string }) => [p.id, p.version, p.status, p.displayName])).toEqual([
      ['plan-basic', 1, 'PUBLISHED', 'Basic'],
      ['plan-enterprise', 1, 'DRAFT', 'Enterprise'],
      ['plan-free', 1, 'PUBLISHED', 'Free'],
      ['plan-pro', 1, 'PUBLISHED', 'Pro'],
    ]);
    const document = (await api().get('/v1/catalog?format=document').set('X-API-KEY', apiKey).expect(200)).body;
    expect(document.plans.map((p: { id: string; status: string; displayName: string }) => [p.id, p.status, p.displayName])).toEqual([
      ['plan-basic', 'PUBLISHED', 'Basic'],
      ['plan-enterprise', 'DRAFT', 'Enterprise'],
      ['plan-free', 'PUBLISHED', 'Free'],
      ['plan-pro', 'DRAFT', 'Pro 2'],
    ]);
    expect(document.plans.some((p: object) => 'version' in p)).toBe(false);

    for (const [body, type] of [[live, 'application/json'], [document, 'application/json'], [stringify(document), 'application/yaml'], [stringify(live), 'application/yaml']] as const) {
      const again = await api().put('/v1/catalog').set('X-API-KEY', apiKey).set('Content-Type', type).send(body);
      expect(again.body).toEqual({ changed: false, changes: [] });
    }
    expect((await api().get('/v1/catalog?format=document').set('X-API-KEY', apiKey)).body).toEqual(document);
    expect((await api().get('/v1/catalog').set('X-API-KEY', apiKey)).body).toEqual(live);
  });

  it('still refuses any other unknown key, naming it, and an unknown format', async () => {
    const { apiKey } = await createTestEnvironment(harness.database.db);
    await api().put('/v1/catalog').set('X-API-KEY', apiKey).send(exampleCatalogInput()).expect(200);
    const live = (await api().get('/v1/catalog').set('X-API-KEY', apiKey)).body;
    live.plans[1].kind = 'PLAN';
    const refused = await api().put('/v1/catalog').set('X-API-KEY', apiKey).send(live);
    expect(refused.status).toBe(400);
    expect(refused.body.error).toMatchObject({ field: 'plans[1].kind', details: [{ field: 'plans[1].kind', message: 'is not a known field' }] });

    const unknownFormat = await api().get('/v1/catalog?format=xml').set('X-API-KEY', apiKey);
    expect(unknownFormat.status).toBe(400);
    expect(unknownFormat.body.error.field).toBe('format');
    expect((await api().get('/v1/catalog?fromat=document').set('X-API-KEY', apiKey)).body.error.field).toBe('fromat');
  });
});

describe('catalog values the database cannot hold, and journey rules', () => {
  it('refuses numbers outside their column, naming the path, and stores nothing', async () => {
    const { apiKey } = await createTestEnvironment(harness.database.db);
    await api().put('/v1/catalog').set('X-API-KEY', apiKey).send(exampleCatalogInput()).expect(200);
    const before = (await api().get('/v1/catalog').set('X-API-KEY', apiKey)).body;

    const huge = exampleCatalogInput();
    huge.addons[0]!.maxQuantity = 3_000_000_000;
    const hugeAnswer = await api().put('/v1/catalog').set('X-API-KEY', apiKey).send(huge);
    expect(hugeAnswer.status).toBe(400);
    expect(hugeAnswer.body.error.field).toBe('addons[0].maxQuantity');

    const fine = exampleCatalogInput();
    (fine as { coupons: unknown[] }).coupons = [{ id: 'coupon-tiny', displayName: 'Tiny', discountType: 'PERCENTAGE', percentOff: 0.001, durationType: 'ONCE' }];
    const fineAnswer = await api().put('/v1/catalog').set('X-API-KEY', apiKey).send(fine);
    expect(fineAnswer.status).toBe(400);
    expect(fineAnswer.body.error).toMatchObject({ field: 'coupons[0].percentOff', message: expect.stringContaining('at most 2 decimals') });
    expect((await api().get('/v1/catalog').set('X-API-KEY', apiKey)).body).toEqual(before);
  });

  it('keeps the largest storable values exact through a round trip', async () => {
    const { apiKey } = await createTestEnvironment(harness.database.db);
    const edges = exampleCatalogInput();
    edges.addons[0]!.maxQuantity = 2_147_483_647;
    edges.plans[0]!.entitlements![1]!.value = Number.MAX_SAFE_INTEGER;
    (edges as { coupons: unknown[] }).coupons = [{ id: 'coupon-odd', displayName: 'Odd', discountType: 'PERCENTAGE', percentOff: 0.29, durationType: 'ONCE' }];
    await api().put('/v1/catalog').set('X-API-KEY', apiKey).send(edges).expect(200);
    expect((await api().put('/v1/catalog').set('X-API-KEY', apiKey).send(edges)).body).toEqual({ changed: false, changes: [] });
    const stored = (await api().get('/v1/catalog').set('X-API-KEY', apiKey)).body;
    expect(stored.coupons[0].percentOff).toBe(0.29);
    expect(stored.addons[0].maxQuantity).toBe(2_147_483_647);
  });

  it('refuses a CUSTOM initial plan (400) and a journey plan with no published version (422)', async () => {
    const { apiKey } = await createTestEnvironment(harness.database.db);
    const custom = exampleCatalogInput();
    custom.plans.push({ id: 'plan-enterprise', productId: 'product-app', displayName: 'Enterprise', pricingType: 'CUSTOM' });
    custom.products[0]!.customerJourney = { initialPlanId: 'plan-enterprise', fallbackPlanId: 'plan-free' };
    const customAnswer = await api().put('/v1/catalog').set('X-API-KEY', apiKey).send(custom);
    expect(customAnswer.status).toBe(400);
    expect(customAnswer.body.error.field).toBe('products[0].customerJourney.initialPlanId');

    const draft = exampleCatalogInput();
    (draft.plans[0] as { status?: string }).status = 'DRAFT';
    const draftAnswer = await api().put('/v1/catalog').set('X-API-KEY', apiKey).send(draft);
    expect(draftAnswer.status).toBe(422);
    expect(draftAnswer.body.error).toMatchObject({ code: 'CATALOG_CHANGE_REFUSED', field: 'products[0].customerJourney.initialPlanId' });
    expect((await api().get('/v1/catalog').set('X-API-KEY', apiKey)).body.plans).toEqual([]);
  });
});

describe('hostile catalog text', () => {
  const putYaml = (apiKey: string, text: string) => api().put('/v1/catalog').set('X-API-KEY', apiKey).set('Content-Type', 'application/yaml').send(text);

  it('answers a megabyte of aliased bad prices with a small 400, quickly refused', async () => {
    const { apiKey } = await createTestEnvironment(harness.database.db);
    const text = hostileCatalogYaml();
    expect(text.length).toBeGreaterThan(1_000_000);
    const response = await putYaml(apiKey, text);
    expect(response.status).toBe(400);
    expect(response.body.error).toMatchObject({ field: '(document)', message: '(document): uses more than 1000 aliases (*name)', details: [expect.any(Object)] });
    expect(response.text.length).toBeLessThan(4_000);
  });

  it('parses aliased text off the event loop: other requests are served meanwhile, and the answer stays small', async () => {
    const { apiKey } = await createTestEnvironment(harness.database.db);
    const server = harness.app.listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      const { port } = server.address() as AddressInfo;
      // 990 aliases that expand to about 280,000 values: seconds to parse, refused by size once parsed.
      const text = hostileCatalogYaml({ anchors: 10 });
      let putSettled = false;
      let bodySent!: () => void;
      const sent = new Promise<void>((resolve) => (bodySent = resolve));
      const put = new Promise<{ status: number; body: string }>((resolve, reject) => {
        const headers = { 'X-API-KEY': apiKey, 'Content-Type': 'application/yaml', 'Content-Length': Buffer.byteLength(text) };
        const outgoing = httpRequest({ host: '127.0.0.1', port, method: 'PUT', path: '/v1/catalog', headers }, async (incoming) => {
          const chunks: Buffer[] = [];
          for await (const chunk of incoming) chunks.push(chunk as Buffer);
          putSettled = true;
          resolve({ status: incoming.statusCode!, body: Buffer.concat(chunks).toString('utf8') });
        });
        outgoing.on('error', reject).on('finish', () => bodySent());
        outgoing.end(text);
      });
      // Health is asked again and again while the document is parsed: each answer comes while the PUT is pending.
      // (Parsed on the event loop, the PUT would answer first and at most the one or two asked before it.)
      await sent;
      let answeredMeanwhile = 0;
      while (!putSettled) {
        const health = await fetch(`http://127.0.0.1:${port}/health`);
        expect(health.status).toBe(200);
        if (!putSettled) answeredMeanwhile++;
      }
      expect(answeredMeanwhile).toBeGreaterThanOrEqual(3);
      const response = await put;
      expect(response.status).toBe(400);
      expect(JSON.parse(response.body).error).toMatchObject({ field: '(document)', message: expect.stringContaining('more than 100000 values') });
    } finally {
      server.close();
    }
  });

  it('lists the first 20 of tens of thousands of issues, and stops counting at 1,000', async () => {
    const { apiKey } = await createTestEnvironment(harness.database.db);
    // 900 plans of 10 bad prices (5 faults each): 45,000 issues if all were built.
    const response = await putYaml(apiKey, hostileCatalogYaml({ anchors: 9, pricesPerAnchor: 10 }));
    expect(response.status).toBe(400);
    expect(response.body.error.details).toHaveLength(20);
    expect(response.body.error.details[0]).toEqual({ field: 'plans[0].prices[0].billingPeriod', message: expect.any(String) });
    expect(response.body.error.issueCount).toBe(1_000);
    expect(response.text.length).toBeLessThan(5_000);
  });

  it('refuses unstorable text and deep nesting in YAML with a 400 naming the place', async () => {
    const { apiKey } = await createTestEnvironment(harness.database.db);
    const surrogate = await putYaml(apiKey, 'products:\n  - { id: product-app, displayName: "App \\ud800" }\n');
    expect(surrogate.status).toBe(400);
    expect(surrogate.body.error).toMatchObject({ field: 'products[0].displayName', message: expect.stringContaining('lone surrogate') });
    const deep = await putYaml(apiKey, `plans: ${'['.repeat(50_000)}${']'.repeat(50_000)}`);
    expect(deep.status).toBe(400);
    expect(deep.body.error).toMatchObject({ field: '(document)', message: '(document): nests deeper than 32 levels' });
  });
});
