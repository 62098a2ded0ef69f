import fc from 'fast-check';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyCatalog } from '../../src/services/applyCatalog';
import { startApiHarness, type ApiHarness } from '../support/apiHarness';
import { exampleCatalog, exampleCatalogInput } from '../support/exampleCatalog';
import { createTestEnvironment } from '../support/testEnvironment';

// Whatever a caller sends, the answer is a 2xx or a 4xx in the contract's error shape: never a 500.
let harness: ApiHarness;
let apiKey: string;
beforeAll(async () => {
  harness = await startApiHarness({ billing: 'none' });
  const environment = await createTestEnvironment(harness.database.db);
  apiKey = environment.apiKey;
  await applyCatalog(harness.database.db, environment.environmentId, exampleCatalog());
});
afterAll(async () => harness?.stop());

const RUNS = Number(process.env.FUZZ_RUNS ?? 60);
const text = fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.constantFrom('a\u0000b', '', ' ', 'US', 'usd', 'plan-pro', 'feature-seats', 'x'.repeat(300), '../etc', 'null'));
const value = fc.letrec((tie) => ({
  leaf: fc.oneof(text, fc.integer(), fc.double(), fc.boolean(), fc.constant(null)),
  node: fc.oneof({ depthSize: 'small' }, tie('leaf'), fc.array(tie('node'), { maxLength: 3 }), fc.dictionary(text, tie('node'), { maxKeys: 4 })),
})).node;
const customerKeys = ['customerId', 'name', 'email', 'couponId', 'metadata', 'billingInfo', 'subscriptionParams'];
const customerBody = fc.dictionary(fc.constantFrom(...customerKeys), value, { maxKeys: 5 });

function expectContractAnswer(response: request.Response) {
  expect(response.status, JSON.stringify(response.body)).toBeLessThan(500);
  if (response.status >= 400) expect(response.body.error).toMatchObject({ code: expect.any(String), message: expect.any(String) });
}

describe('untrusted input', () => {
  it('POST /v1/customers answers every body with a 2xx or a 4xx', async () => {
    await fc.assert(
      fc.asyncProperty(customerBody, async (body) => {
        expectContractAnswer(await request(harness.app).post('/v1/customers').set('X-API-KEY', apiKey).send(body));
      }),
      { numRuns: RUNS },
    );
  });

  it('PATCH /v1/customers/:id answers every body and path with a 2xx or a 4xx', async () => {
    await request(harness.app).post('/v1/customers').set('X-API-KEY', apiKey).send({ customerId: 'fuzz-target' });
    await fc.assert(
      fc.asyncProperty(fc.dictionary(fc.constantFrom(...customerKeys.slice(1)), value, { maxKeys: 4 }), fc.oneof(fc.constant('fuzz-target'), text), async (body, id) => {
        expectContractAnswer(await request(harness.app).patch(`/v1/customers/${encodeURIComponent(id)}`).set('X-API-KEY', apiKey).send(body));
      }),
      { numRuns: RUNS },
    );
  });

  it('PUT /v1/catalog answers mutated catalogs with a 2xx or a 4xx', async () => {
    // Start from the real example and break one spot at random, so the checks deep inside are reached.
    const mutation = fc.record({ section: fc.constantFrom('products', 'features', 'plans', 'addons', 'coupons', 'meters'), index: fc.nat(3), key: text, replacement: value });
    await fc.assert(
      fc.asyncProperty(mutation, async ({ section, index, key, replacement }) => {
        const document = exampleCatalogInput() as Record<string, unknown[]>;
        const list = document[section] ?? [];
        const target = list[index % Math.max(list.length, 1)];
        if (target && typeof target === 'object') (target as Record<string, unknown>)[key] = replacement;
        else document[section] = replacement as unknown[];
        expectContractAnswer(await request(harness.app).put('/v1/catalog').set('X-API-KEY', apiKey).send(document));
      }),
      { numRuns: RUNS },
    );
  });

  it('refuses the NUL character anywhere, naming the field, and stores nothing', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ customerId: 'nul-name', name: 'a\u0000b' }, 'name'],
      [{ customerId: 'nul\u0000id' }, 'customerId'],
      [{ customerId: 'nul-metadata', metadata: { ['k\u0000']: 'v' } }, 'metadata.k\u0000'],
      [{ customerId: 'nul-nested', billingInfo: { billingAddress: { city: '\u0000' } } }, 'billingInfo.billingAddress.city'],
    ];
    for (const [body, field] of cases) {
      const response = await request(harness.app).post('/v1/customers').set('X-API-KEY', apiKey).send(body);
      expect(response.status).toBe(400);
      expect(response.body.error.field).toBe(field);
    }
    await request(harness.app).get('/v1/customers/nul-name').set('X-API-KEY', apiKey).expect(404);
    await request(harness.app).get('/v1/customers/nul%00id').set('X-API-KEY', apiKey).expect(400);
  });

  it('rejects bodies that are not JSON objects, of any content type', async () => {
    for (const [type, body] of [['application/json', '[]'], ['application/json', '"text"'], ['application/json', '{"a":'], ['text/plain', 'hello'], ['application/xml', '<a/>'], ['application/json', '']]) {
      const response = await request(harness.app).post('/v1/customers').set('X-API-KEY', apiKey).set('Content-Type', type!).send(body);
      expect(response.status, `${type} ${body}`).toBeGreaterThanOrEqual(400);
      expectContractAnswer(response);
    }
  });
});
