import { connect } from 'node:net';
import { Writable } from 'node:stream';
import pino from 'pino';
import request from 'supertest';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/api/createApp';
import { closeServer, listen } from '../../src/infra/httpServer';
import { applyCatalog } from '../../src/services/applyCatalog';
import { startApiHarness, type ApiHarness } from '../support/apiHarness';
import { expectAnswersDocumented, recordAnswers } from '../support/documentedAnswers';
import { exampleCatalog } from '../support/exampleCatalog';
import { createTestEnvironment } from '../support/testEnvironment';
import { workflowStartArguments } from '../support/workflowHistory';

// The edge of the API: what a careless or hostile caller can send before any business rule runs.
let harness: ApiHarness;
let apiKey: string;
beforeAll(async () => {
  harness = await startApiHarness({ billing: 'none' });
  const environment = await createTestEnvironment(harness.database.db);
  apiKey = environment.apiKey;
  await applyCatalog(harness.database.db, environment.environmentId, exampleCatalog());
});
afterAll(async () => harness?.stop());

// The edge's refusals too must be answers the OpenAPI document lists, in the documented error shape.
const answers = recordAnswers(() => harness.app);
const api = answers.api;
afterEach(async () => expectAnswersDocumented(harness.app, answers.takeAnswers()));
const customerIds = async () => (await harness.database.db.selectFrom('customers').select('id').execute()).map((row) => row.id);
const deeplyNested = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;

describe('request bodies', () => {
  it.each([
    ['application/x-www-form-urlencoded', 'customerId=form-customer'],
    ['application/merge-patch+json', '{"customerId":"merge-patch-customer"}'],
    ['text/plain', '{"customerId":"text-customer"}'],
    [undefined, '{"customerId":"untyped-customer"}'],
  ])('answers 415 to a write sent as %s, naming Content-Type and creating nothing', async (type, body) => {
    const before = await customerIds();
    const post = api().post('/v1/customers').set('X-API-KEY', apiKey);
    if (type) post.set('Content-Type', type);
    const response = await post.send(body);
    expect(response.status).toBe(415);
    expect(response.body.error).toMatchObject({ code: 'UNSUPPORTED_MEDIA_TYPE', field: 'Content-Type', message: expect.stringContaining('application/json') });
    expect(await customerIds()).toEqual(before);
  });

  it('leaves a customer untouched (not even updatedAt) when a PATCH is not JSON or changes nothing', async () => {
    const created = await api().post('/v1/customers').set('X-API-KEY', apiKey).send({ customerId: 'untouched', name: 'Same' }).expect(201);
    for (const type of ['application/x-www-form-urlencoded', 'application/merge-patch+json']) {
      const response = await api().patch('/v1/customers/untouched').set('X-API-KEY', apiKey).set('Content-Type', type).send('name=Other');
      expect(response.status).toBe(415);
    }
    const empty = await api().patch('/v1/customers/untouched').set('X-API-KEY', apiKey).send({});
    expect(empty.status).toBe(200);
    expect(empty.body).toEqual(created.body.customer);
    expect((await api().get('/v1/customers/untouched').set('X-API-KEY', apiKey)).body.updatedAt).toBe(created.body.customer.updatedAt);
  });

  it('accepts the catalog as YAML with application/yaml and refuses other text types with 415', async () => {
    const yaml = await api().put('/v1/catalog').set('X-API-KEY', apiKey).set('Content-Type', 'text/csv').send('products: []');
    expect(yaml.status).toBe(415);
    expect(yaml.body.error.message).toContain('application/yaml');
  });

  it('answers 400 (not a stack overflow) to thousands of nested arrays in any field of any write', async () => {
    const nested = deeplyNested(5000);
    const bodies: [string, string, string][] = [
      ['post', '/v1/customers', `{"customerId":"deep","metadata":{"a":${nested}}}`],
      ['patch', '/v1/customers/untouched', `{"name":${nested}}`],
      ['put', '/v1/catalog', `{"products":${nested}}`],
      ['post', '/v1/customers', nested],
    ];
    for (const [method, path, body] of bodies) {
      const response = await api()[method as 'post'](path).set('X-API-KEY', apiKey).set('Content-Type', 'application/json').send(body);
      expect(response.status, `${method} ${path}`).toBe(400);
      expect(response.body.error).toMatchObject({ code: 'INVALID_INPUT', field: 'body', message: expect.stringContaining('nested deeper') });
    }
  });

  it('never reads bodies on routes that take none, with or without a key', async () => {
    const nested = deeplyNested(5000);
    const cases: [string, string, string | undefined, number][] = [
      ['get', '/health', undefined, 200],
      ['get', '/openapi.json', undefined, 200],
      ['post', '/health', undefined, 404],
      ['get', '/v1/catalog', apiKey, 200],
      ['get', '/v1/customers/untouched', apiKey, 200],
      ['post', '/v1/nowhere', apiKey, 404],
      ['post', '/v1/customers', undefined, 401],
    ];
    for (const [method, path, key, status] of cases) {
      const call = api()[method as 'get'](path).set('Content-Type', 'application/json');
      if (key) call.set('X-API-KEY', key);
      const response = await call.send(nested);
      expect(response.status, `${method} ${path}`).toBe(status);
    }
    // A malformed body on a route that takes none is not even looked at.
    await api().get('/v1/customers/untouched').set('X-API-KEY', apiKey).set('Content-Type', 'application/json').send('{"broken":').expect(200);
  });
});

describe('text and keys that cannot be stored as sent', () => {
  it.each([
    ['{"customerId":"lone-\\ud800"}', 'customerId', 'lone surrogate'],
    ['{"customerId":"lone-name","name":"x\\udc00y"}', 'name', 'lone surrogate'],
    ['{"customerId":"lone-meta","metadata":{"k":"\\ud83d"}}', 'metadata.k', 'lone surrogate'],
    ['{"customerId":"lone-key","metadata":{"\\udfff":"v"}}', 'metadata.\udfff', 'lone surrogate'],
    ['{"customerId":"nul-city","billingInfo":{"billingAddress":{"city":"a\\u0000"}}}', 'billingInfo.billingAddress.city', 'NUL'],
    ['{"customerId":"proto","metadata":{"__proto__":"x"}}', 'metadata.__proto__', 'reserved'],
  ])('refuses %s with a 400 naming %s and stores nothing', async (body, field, reason) => {
    const before = await customerIds();
    const response = await api().post('/v1/customers').set('X-API-KEY', apiKey).set('Content-Type', 'application/json').send(body);
    expect(response.status).toBe(400);
    expect(response.body.error.field).toBe(field);
    expect(response.body.error.message).toContain(reason);
    expect(await customerIds()).toEqual(before);
  });

  it('refuses a lone surrogate in a catalog string sent as JSON, naming its path', async () => {
    const response = await api().put('/v1/catalog').set('X-API-KEY', apiKey).set('Content-Type', 'application/json').send('{"products":[{"id":"p","displayName":"bad \\ud800"}]}');
    expect(response.status).toBe(400);
    expect(response.body.error.field).toBe('products[0].displayName');
  });

  it('stores "constructor" and "prototype" as the plain metadata keys they are', async () => {
    const metadata = { constructor: 'Bob the builder', prototype: 'v2', toString: 'yes' };
    const created = await api().post('/v1/customers').set('X-API-KEY', apiKey).send({ customerId: 'plain-keys', metadata }).expect(201);
    expect(created.body.customer.metadata).toEqual(metadata);
    expect((await api().get('/v1/customers/plain-keys').set('X-API-KEY', apiKey)).body.metadata).toEqual(metadata);
  });

  it.each([
    ['e\u0301mile', 'NFC'],
    ['zero\u200bwidth', 'invisible'],
    ['bidi\u202eevil', 'invisible'],
    ['no\u00a0break', 'spaces'],
  ])('refuses the customer id %j (%s) instead of storing a look-alike', async (customerId, reason) => {
    const response = await api().post('/v1/customers').set('X-API-KEY', apiKey).send({ customerId });
    expect(response.status).toBe(400);
    expect(response.body.error.field).toBe('customerId');
    expect(response.body.error.message).toContain(reason);
    await api().get(`/v1/customers/${encodeURIComponent(customerId)}`).set('X-API-KEY', apiKey).expect(400);
  });

  it('accepts ids in any script in NFC form, and internationalised email addresses', async () => {
    const created = await api().post('/v1/customers').set('X-API-KEY', apiKey).send({ customerId: '\u00e9mile-客户-😀', email: 'josé@exämple.com' });
    expect(created.status).toBe(201);
    const read = await api().get(`/v1/customers/${encodeURIComponent('\u00e9mile-客户-😀')}`).set('X-API-KEY', apiKey);
    expect(read.body).toMatchObject({ customerId: '\u00e9mile-客户-😀', email: 'josé@exämple.com' });
    await api().patch(`/v1/customers/${encodeURIComponent('\u00e9mile-客户-😀')}`).set('X-API-KEY', apiKey).send({ email: '用户@例子.广告' }).expect(200);
  });
});

describe('subscriptionParams fields', () => {
  it.each([
    [{ startDate: true }, 'subscriptionParams.startDate', 'ISO-8601'],
    [{ startDate: 0 }, 'subscriptionParams.startDate', 'ISO-8601'],
    [{ startDate: 'next tuesday' }, 'subscriptionParams.startDate', 'ISO-8601'],
    [{ startDate: '2026-02-30' }, 'subscriptionParams.startDate', 'ISO-8601'],
    [{ checkoutOptions: { successUrl: 'javascript:alert(1)', cancelUrl: 'https://example.com/cancel' } }, 'subscriptionParams.checkoutOptions.successUrl', 'http'],
    [{ checkoutOptions: { successUrl: 'https://example.com/ok', cancelUrl: 'file:///etc/passwd' } }, 'subscriptionParams.checkoutOptions.cancelUrl', 'http'],
    [{ billingInformation: { taxPercentage: 17.12345 } }, 'subscriptionParams.billingInformation.taxPercentage', 'four decimals'],
    [{ unitQuantity: 3_000_000_000 }, 'subscriptionParams.unitQuantity', '1000000'],
  ])('refuses %j with a clear message naming %s', async (params, field, words) => {
    const response = await api().post('/v1/customers').set('X-API-KEY', apiKey).send({ customerId: 'params', subscriptionParams: { planId: 'plan-free', ...params } });
    expect(response.status).toBe(400);
    expect(response.body.error.field).toBe(field);
    expect(response.body.error.message).toContain(words);
  });

  it('accepts ISO-8601 dates and date-times, and http(s) checkout URLs', async () => {
    const params = { planId: 'plan-free', startDate: '2026-12-01T09:00:00+02:00', checkoutOptions: { successUrl: 'http://localhost:3000/ok?x=1', cancelUrl: 'https://example.com/cancel' } };
    await api().post('/v1/customers').set('X-API-KEY', apiKey).send({ customerId: 'good-params', subscriptionParams: params }).expect(201);
  });
});

describe('the error shape', () => {
  it.each(['%E0', '%ED%A0%80', '%'])('names the path when a path parameter is not valid UTF-8 (%s)', async (segment) => {
    const response = await api().get(`/v1/customers/${segment}`).set('X-API-KEY', apiKey);
    expect(response.status).toBe(400);
    expect(response.body.error).toMatchObject({ code: 'INVALID_INPUT', field: 'path' });
  });

  it('caps the listed issues and counts the rest', async () => {
    const metadata = Object.fromEntries(Array.from({ length: 60 }, (_, i) => [`key-${i}`, { nested: i }]));
    const response = await api().post('/v1/customers').set('X-API-KEY', apiKey).send({ customerId: 'many-issues', metadata });
    expect(response.status).toBe(400);
    expect(response.body.error.details).toHaveLength(20);
    expect(response.body.error.details[0]).toEqual({ field: 'metadata.key-0', message: expect.any(String) });
    expect(response.body.error.issueCount).toBeGreaterThanOrEqual(60);
  });

  it('answers a 413 in the JSON error shape', async () => {
    const response = await api().post('/v1/customers').set('X-API-KEY', apiKey).send({ customerId: 'big', name: 'x'.repeat(3 * 1024 * 1024) });
    expect(response.status).toBe(413);
    expect(response.body.error).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', field: 'body' });
  });

  it('answers oversized headers (431) in the JSON error shape on a listening server', async () => {
    const server = await listen(harness.app, 0, '127.0.0.1');
    try {
      const port = (server.address() as { port: number }).port;
      const raw = await new Promise<string>((resolve, reject) => {
        const socket = connect(port, '127.0.0.1', () => socket.write(`GET /health HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`));
        let text = '';
        socket.on('data', (chunk) => (text += chunk.toString()));
        socket.on('end', () => resolve(text));
        socket.on('error', reject);
      });
      expect(raw).toMatch(/^HTTP\/1\.1 431 /);
      expect(raw).toContain('application/json');
      expect(JSON.parse(raw.slice(raw.indexOf('\r\n\r\n') + 4)).error).toMatchObject({ code: 'HEADERS_TOO_LARGE', field: 'headers' });
    } finally {
      await closeServer(server);
    }
  });

  it('documents every status a route can answer, and the Idempotent-Replayed header', async () => {
    const document = (await api().get('/openapi.json')).body;
    const patch = document.paths['/v1/customers/{customerId}'].patch;
    expect(Object.keys(patch.responses)).toEqual(expect.arrayContaining(['200', '400', '401', '404', '409', '413', '415', '422', '431', '503']));
    expect(patch.responses['200'].headers['Idempotent-Replayed']).toBeDefined();
    expect(patch.parameters.map((p: { name: string }) => p.name)).toEqual(['customerId', 'Idempotency-Key']);
    expect(Object.keys(document.paths['/v1/catalog'].put.requestBody.content)).toEqual(['application/json', 'application/yaml']);
    expect(Object.keys(document.paths['/v1/catalog'].get.responses)).toEqual(expect.arrayContaining(['200', '400', '401', '503']));
    expect(document.paths['/v1/catalog'].get.parameters).toEqual([expect.objectContaining({ name: 'format', in: 'query', schema: expect.objectContaining({ enum: ['document'] }) })]);
  });
});

describe('secrets', () => {
  it('keeps billing info out of workflow histories when no billing provider is configured', async () => {
    const billingInfo = { customerName: 'Secret Name Ltd', billingAddress: { city: 'Secretville', country: 'US' }, taxIds: [{ type: 'us_ein', value: '12-3456789' }] };
    await api().post('/v1/customers').set('X-API-KEY', apiKey).send({ customerId: 'no-provider', name: 'Visible', billingInfo }).expect(201);
    await api().patch('/v1/customers/no-provider').set('X-API-KEY', apiKey).send({ name: 'Renamed', billingInfo }).expect(200);
    const { environment_id: environmentId } = await harness.database.db.selectFrom('customers').select('environment_id').where('id', '=', 'no-provider').executeTakeFirstOrThrow();
    const provision = await workflowStartArguments(harness.client, `customer:${environmentId}:no-provider`);
    const update = await workflowStartArguments(harness.client, `customer-update:${environmentId}:no-provider`);
    expect(provision).toEqual([expect.objectContaining({ customerId: 'no-provider', name: 'Visible' })]);
    expect(update).toEqual([expect.objectContaining({ customerId: 'no-provider', changes: { name: 'Renamed' } })]);
    expect(JSON.stringify([provision, update])).not.toMatch(/Secret|12-3456789/);
  });

  it('never logs a query string value, such as a key sent as ?apiKey=', async () => {
    const lines: string[] = [];
    const sink = new Writable({ write: (chunk, _encoding, done) => (lines.push(chunk.toString()), done()) });
    const app = createApp({
      db: harness.database.db,
      workflows: { startWindowMs: 15_000 } as never,
      billingProvider: 'none',
      logger: pino({ level: 'info' }, sink),
      temporalHealthy: async () => true,
    });
    const secret = 'tg_server_secret-in-the-query-string';
    await request(app).get(`/v1/customers/untouched?apiKey=${secret}&other=${secret}`).expect(401);
    await request(app).get(`/v1/customers/untouched?apiKey=${secret}`).set('X-API-KEY', apiKey).expect(200);
    await request(app).get(`/health?token=${secret}`).expect(200);
    expect(lines.length).toBeGreaterThanOrEqual(3);
    expect(lines.join('\n')).not.toContain(secret);
    expect(lines.join('\n')).toContain('apiKey=[redacted]');
  });
});
