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
  // With a webhook secret, so the fuzzed webhook bodies reach signature verification.
  harness = await startApiHarness({ billing: 'none', webhooks: true });
  const environment = await createTestEnvironment(harness.database.db);
  apiKey = environment.apiKey;
  await applyCatalog(harness.database.db, environment.environmentId, exampleCatalog());
});
afterAll(async () => harness?.stop());

const RUNS = Number(process.env.FUZZ_RUNS ?? 60);
// Text Postgres or Temporal cannot keep (NUL, lone surrogates), look-alikes, invisible characters and prototype keys.
const hostileText = fc.constantFrom('a\u0000b', 'lone \ud800', '\udc00', 'e\u0301', 'zero\u200bwidth', '\u202e', '\ufeff', '__proto__', 'constructor', 'prototype', '😀', '客户');
const text = fc.oneof(fc.string(), fc.string({ unit: 'binary' }), hostileText, fc.constantFrom('', ' ', 'US', 'usd', 'plan-pro', 'feature-seats', 'x'.repeat(300), '../etc', 'null'));
// Numbers at and past every storage limit: int4, int8, JS safe integers, float precision.
const edgeNumber = fc.constantFrom(0, -0, -1, 0.001, 0.015, 1e-7, 2 ** 31 - 1, 2 ** 31, 3_000_000_000, 2 ** 53, 2 ** 53 + 2, 1e21, 1e308, -1e308, 99_999_999_999, 100_000_000_000);
// A few thousand nested arrays: deep enough to overflow any recursive walk.
// Built only when serialised, and printed by its depth, so a failing case stays readable.
class DeepNesting {
  constructor(readonly depth: number) {}
  [fc.toStringMethod]() {
    return `DeepNesting(${this.depth})`;
  }
}
const deepValue = fc.integer({ min: 100, max: 5000 }).map((depth) => new DeepNesting(depth));
// JSON text of a generated value, deep nestings spelled out as brackets (JSON.stringify itself would overflow on them).
function toJsonText(value: unknown): string {
  const deep: number[] = [];
  const text = JSON.stringify(value, (_key, member) => (member instanceof DeepNesting ? `\u0000deep${deep.push(member.depth) - 1}\u0000` : member)) ?? 'null';
  return text.replace(/"\\u0000deep(\d+)\\u0000"/g, (_match, index) => `${'['.repeat(deep[Number(index)]!)}${']'.repeat(deep[Number(index)]!)}`);
}
const value = fc.letrec((tie) => ({
  leaf: fc.oneof(text, fc.integer(), edgeNumber, fc.double(), fc.boolean(), fc.constant(null)),
  node: fc.oneof({ depthSize: 'small' }, tie('leaf'), fc.array(tie('node'), { maxLength: 3 }), fc.dictionary(text, tie('node'), { maxKeys: 4 }), deepValue),
})).node;
const customerKeys = ['customerId', 'name', 'email', 'couponId', 'metadata', 'billingInfo', 'subscriptionParams'];
const customerBody = fc.dictionary(fc.constantFrom(...customerKeys), value, { maxKeys: 5 });

// encodeURIComponent refuses lone surrogates; a client can still send their (invalid) UTF-8 bytes.
function encodePathSegment(id: string): string {
  return [...Buffer.from(id, 'utf16le').toString('utf16le')].map((char) => {
    try {
      return encodeURIComponent(char);
    } catch {
      return '%ED%A0%80';
    }
  }).join('');
}

function expectContractAnswer(response: request.Response) {
  expect(response.status, JSON.stringify(response.body)).toBeLessThan(500);
  if (response.status >= 400) expect(response.body.error).toMatchObject({ code: expect.any(String), message: expect.any(String) });
}

describe('untrusted input', () => {
  it('POST /v1/customers answers every body with a 2xx or a 4xx', async () => {
    await fc.assert(
      fc.asyncProperty(customerBody, async (body) => {
        expectContractAnswer(await request(harness.app).post('/v1/customers').set('X-API-KEY', apiKey).set('Content-Type', 'application/json').send(toJsonText(body)));
      }),
      { numRuns: RUNS },
    );
  });

  it('PATCH /v1/customers/:id answers every body and path with a 2xx or a 4xx', async () => {
    await request(harness.app).post('/v1/customers').set('X-API-KEY', apiKey).send({ customerId: 'fuzz-target' });
    await fc.assert(
      fc.asyncProperty(fc.dictionary(fc.constantFrom(...customerKeys.slice(1)), value, { maxKeys: 4 }), fc.oneof(fc.constant('fuzz-target'), text), async (body, id) => {
        expectContractAnswer(await request(harness.app).patch(`/v1/customers/${encodePathSegment(id)}`).set('X-API-KEY', apiKey).set('Content-Type', 'application/json').send(toJsonText(body)));
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
        expectContractAnswer(await request(harness.app).put('/v1/catalog').set('X-API-KEY', apiKey).set('Content-Type', 'application/json').send(toJsonText(document)));
      }),
      { numRuns: RUNS },
    );
  });

  it('answers every route, open ones included, with or without a key, whatever the method, type and body', async () => {
    const routes = ['/health', '/openapi.json', '/docs', '/v1/catalog', '/v1/customers', '/v1/customers/fuzz-target', '/v1/nowhere', '/webhooks/stripe'];
    const methods = ['get', 'post', 'put', 'patch', 'delete'] as const;
    const types = ['application/json', 'application/yaml', 'application/x-www-form-urlencoded', 'application/merge-patch+json', 'text/plain'];
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...routes), fc.constantFrom(...methods), fc.constantFrom(...types), fc.boolean(), value, async (route, method, type, withKey, body) => {
        const call = request(harness.app)[method](route).set('Content-Type', type);
        if (withKey) call.set('X-API-KEY', apiKey);
        expectContractAnswer(await call.send(toJsonText(body)));
      }),
      { numRuns: RUNS },
    );
  });

  it('stores no customer for a provisioning it refused', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(text, fc.string()), fc.dictionary(fc.constantFrom(...customerKeys.slice(1)), value, { maxKeys: 3 }), async (customerId, rest) => {
        const find = () => harness.database.db.selectFrom('customers').select('id').where('id', '=', customerId.replace(/\u0000/g, '')).executeTakeFirst();
        const existed = customerId.length > 0 && (await find()) !== undefined;
        const response = await request(harness.app).post('/v1/customers').set('X-API-KEY', apiKey).set('Content-Type', 'application/json').send(toJsonText({ ...rest, customerId }));
        expectContractAnswer(response);
        if (response.status >= 400 && customerId.length > 0 && !existed) expect(await find(), JSON.stringify(response.body)).toBeUndefined();
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
