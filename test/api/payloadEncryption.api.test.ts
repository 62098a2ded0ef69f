import { createServer, type Server } from 'node:http';
import { networkInterfaces } from 'node:os';
import { defaultPayloadConverter, METADATA_ENCODING_KEY } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import pino from 'pino';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/api/createApp';
import { createWorkflowClients } from '../../src/temporal/workflowClients';
import { workflowIds } from '../../src/workflows/workflowIds';
import { startApiHarness, TEMPORAL_UI_ORIGIN, type ApiHarness } from '../support/apiHarness';
import { createTestEnvironment } from '../support/testEnvironment';

type RawPayload = temporal.api.common.v1.IPayload;
type JsonPayload = { metadata: Record<string, string>; data: string };

let harness: ApiHarness;
let apiKey: string;
let environmentId: string;

beforeAll(async () => {
  harness = await startApiHarness({ billing: 'stripe' });
  ({ apiKey, environmentId } = await createTestEnvironment(harness.database.db));
});
afterAll(async () => harness?.stop());

const api = () => request(harness.app);
const secrets = ['Zebulon Quixote', 'Quagmire Widgets', '77 Xylophone Row', 'GB987654321', 'zebulon@quagmire.example'];

async function rawHistory(workflowId: string): Promise<temporal.api.history.v1.IHistoryEvent[]> {
  const events: temporal.api.history.v1.IHistoryEvent[] = [];
  let nextPageToken: Uint8Array | undefined;
  do {
    const page = await harness.temporal.connection.workflowService.getWorkflowExecutionHistory({
      namespace: harness.temporal.namespace ?? 'default',
      execution: { workflowId },
      nextPageToken,
    });
    events.push(...(page.history?.events ?? []));
    nextPageToken = page.nextPageToken?.length ? page.nextPageToken : undefined;
  } while (nextPageToken);
  return events;
}

// Every payload of the history except search attributes (plain by design: ids only, so the UI can search).
function payloadsOf(value: unknown, found: RawPayload[] = []): RawPayload[] {
  if (value === null || typeof value !== 'object') return found;
  if (value instanceof Uint8Array) return found;
  if ('data' in value && 'metadata' in value && (value as RawPayload).metadata?.[METADATA_ENCODING_KEY]) return (found.push(value as RawPayload), found);
  for (const [key, child] of Object.entries(value)) if (key !== 'searchAttributes') payloadsOf(child, found);
  return found;
}

const toJson = (payload: RawPayload): JsonPayload => ({
  metadata: Object.fromEntries(Object.entries(payload.metadata ?? {}).map(([key, bytes]) => [key, Buffer.from(bytes).toString('base64')])),
  data: Buffer.from(payload.data ?? []).toString('base64'),
});
const encodingOf = (payload: JsonPayload) => Buffer.from(payload.metadata.encoding ?? '', 'base64').toString();
const plainJson = (value: unknown) => toJson(defaultPayloadConverter.toPayload(value));

describe('workflow payloads are encrypted in the Temporal history', () => {
  let startedInput: RawPayload[];

  it('holds no plaintext of a provisioned customer, only encrypted payloads', async () => {
    const created = await api()
      .post('/v1/customers')
      .set('X-API-KEY', apiKey)
      .send({
        customerId: 'encrypted-customer',
        name: 'Zebulon Quixote',
        email: 'zebulon@quagmire.example',
        billingInfo: {
          customerName: 'Quagmire Widgets Ltd',
          billingAddress: { country: 'GB', city: 'London', addressLine1: '77 Xylophone Row', postalCode: 'SW1Y 4LB' },
          taxIds: [{ type: 'gb_vat', value: 'GB987654321' }],
          currency: 'gbp',
        },
      });
    expect(created.status).toBe(201);
    // The customer really went through the workflow to Stripe, so the history did carry the billing info.
    expect(harness.stripe!.state.customers.get(created.body.customer.billingId)).toMatchObject({ name: 'Quagmire Widgets Ltd' });

    const events = await rawHistory(workflowIds.provisionCustomer(environmentId, 'encrypted-customer'));
    const wire = Buffer.from(temporal.api.history.v1.History.encode({ events }).finish());
    for (const secret of secrets) expect([secret, wire.includes(secret)]).toEqual([secret, false]);

    const payloads = payloadsOf(events);
    // Workflow input, activity inputs and results, the workflow result.
    expect(payloads.length).toBeGreaterThanOrEqual(4);
    for (const payload of payloads) expect(encodingOf(toJson(payload))).toBe('binary/encrypted');
    startedInput = events.find((event) => event.workflowExecutionStartedEventAttributes)!.workflowExecutionStartedEventAttributes!.input!.payloads!;
  });

  it('keeps failure messages encrypted too, while the API still reports them', async () => {
    const refused = await api()
      .post('/v1/customers')
      .set('X-API-KEY', apiKey)
      .send({ customerId: 'refused-card', name: 'Zebulon Quixote', billingInfo: { paymentMethodId: 'pm_card_chargeDeclined' } });
    expect(refused.status).toBe(422);
    expect(refused.body.error).toMatchObject({ code: 'BILLING_PROVIDER_REJECTED', message: expect.stringContaining('Your card was declined') });

    const events = await rawHistory(workflowIds.provisionCustomer(environmentId, 'refused-card'));
    const failures = events.filter((event) => event.activityTaskFailedEventAttributes || event.workflowExecutionFailedEventAttributes);
    expect(failures.length).toBeGreaterThan(0);
    const wire = Buffer.from(temporal.api.history.v1.History.encode({ events }).finish());
    expect(wire.includes('Your card was declined')).toBe(false);
    expect(wire.includes('Zebulon Quixote')).toBe(false);
  });

  it('is shown decrypted through the codec endpoint, as the Temporal UI asks for it', async () => {
    const decoded = await api()
      .post('/codec/decode')
      .set('Origin', TEMPORAL_UI_ORIGIN)
      .set('X-Namespace', 'default')
      .send({ payloads: startedInput.map(toJson) });
    expect(decoded.status).toBe(200);
    expect(decoded.headers['access-control-allow-origin']).toBe(TEMPORAL_UI_ORIGIN);
    const [input] = decoded.body.payloads as JsonPayload[];
    expect(encodingOf(input!)).toBe('json/plain');
    const value = JSON.parse(Buffer.from(input!.data, 'base64').toString());
    expect(value).toMatchObject({ customerId: 'encrypted-customer', name: 'Zebulon Quixote', billingInfo: { customerName: 'Quagmire Widgets Ltd' } });
  });
});

describe('the codec endpoint', () => {
  it('encodes for the UI (a signal sent from it) and decodes what it encoded', async () => {
    const encoded = await api().post('/codec/encode').send({ payloads: [plainJson({ hello: 'Zebulon' })] }).expect(200);
    const [payload] = encoded.body.payloads as JsonPayload[];
    expect(encodingOf(payload!)).toBe('binary/encrypted');
    expect(Buffer.from(payload!.data, 'base64').toString()).not.toContain('Zebulon');
    const decoded = await api().post('/codec/decode').send(encoded.body).expect(200);
    expect(decoded.body).toEqual({ payloads: [plainJson({ hello: 'Zebulon' })] });
  });

  it('passes payloads that were never encrypted through unchanged', async () => {
    const plain = { payloads: [plainJson('recorded before encryption')] };
    expect((await api().post('/codec/decode').send(plain).expect(200)).body).toEqual(plain);
  });

  it('answers the browser preflight of the UI origin with the headers the UI sends', async () => {
    const preflight = await api()
      .options('/codec/decode')
      .set('Origin', TEMPORAL_UI_ORIGIN)
      .set('Access-Control-Request-Method', 'POST')
      .set('Access-Control-Request-Headers', 'content-type,x-namespace');
    expect(preflight.status).toBe(204);
    expect(preflight.headers['access-control-allow-origin']).toBe(TEMPORAL_UI_ORIGIN);
    expect(preflight.headers['access-control-allow-methods']).toContain('POST');
    expect(preflight.headers['access-control-allow-headers']).toMatch(/Content-Type.*X-Namespace/);
  });

  it('refuses pages of other origins', async () => {
    const refused = await api().post('/codec/decode').set('Origin', 'https://evil.example').send({ payloads: [] });
    expect(refused.status).toBe(403);
    expect(refused.body.error).toMatchObject({ code: 'ORIGIN_NOT_ALLOWED', field: 'Origin' });
    expect(refused.headers['access-control-allow-origin']).toBeUndefined();
  });

  it.each([
    [{ payloads: [{ metadata: { encoding: 'not base64!' }, data: '' }] }, 'payloads[0].metadata.encoding'],
    [{ payloads: 'all of them' }, 'payloads'],
    [{}, 'payloads'],
  ])('answers 400 naming the field for %j', async (body, field) => {
    const refused = await api().post('/codec/decode').send(body);
    expect(refused.status).toBe(400);
    expect(refused.body.error.field).toBe(field);
  });

  it('answers 415 for a body that is not JSON', async () => {
    const refused = await api().post('/codec/decode').set('Content-Type', 'text/plain').send('payloads');
    expect(refused.status).toBe(415);
    expect(refused.body.error).toMatchObject({ code: 'UNSUPPORTED_MEDIA_TYPE', field: 'Content-Type' });
  });

  it('answers 422 naming the payload it cannot decrypt (another key, or altered)', async () => {
    const encoded = (await api().post('/codec/encode').send({ payloads: [plainJson(1), plainJson(2)] }).expect(200)).body.payloads as JsonPayload[];
    const foreign = { ...encoded[1]!, metadata: { ...encoded[1]!.metadata, 'encryption-key-id': Buffer.from('0123456789abcdef').toString('base64') } };
    const refused = await api().post('/codec/decode').send({ payloads: [encoded[0], foreign] });
    expect(refused.status).toBe(422);
    expect(refused.body.error).toMatchObject({ code: 'PAYLOAD_NOT_DECRYPTABLE', field: 'payloads[1]' });
    expect(refused.body.error.message).toContain('encrypted with key 0123456789abcdef, which is not configured');
  });

  it('is not there when the app is built without it', async () => {
    const app = createApp({
      db: harness.database.db,
      workflows: createWorkflowClients(harness.client, { taskQueue: 'unused', searchAttributes: false }),
      billingProvider: 'stripe',
      logger: pino({ level: 'silent' }),
      temporalHealthy: async () => true,
    });
    await request(app).post('/codec/decode').send({ payloads: [] }).expect(404);
  });

  const externalAddress = Object.values(networkInterfaces()).flat().find((entry) => entry && entry.family === 'IPv4' && !entry.internal)?.address;
  // Needs an address of this machine that is not loopback; every CI runner and container has one.
  it.runIf(externalAddress)('answers only callers on this machine, by loopback', async () => {
    const server: Server = createServer(harness.app);
    await new Promise<void>((listening) => server.listen(0, '0.0.0.0', listening));
    try {
      const port = (server.address() as { port: number }).port;
      const post = (host: string) =>
        fetch(`http://${host}:${port}/codec/decode`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"payloads":[]}' });
      expect((await post('127.0.0.1')).status).toBe(200);
      const remote = await post(externalAddress!);
      expect(remote.status).toBe(403);
      expect(await remote.json()).toMatchObject({ error: { code: 'CODEC_LOOPBACK_ONLY' } });
    } finally {
      await new Promise((closed) => server.close(closed));
    }
  });
});
