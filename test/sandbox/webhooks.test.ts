import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import Stripe from 'stripe';
import { startStripeSandbox, type StripeSandbox, type StripeSandboxOptions } from '../../src/sandbox/server';
import { NOW_MS, monthlyPrice, payingCustomer } from '../support/stripeSandboxTesting';

interface Received { body: string; signature: string }

/** A local webhook receiver that answers each request with the next status of `statuses` (then 200). */
async function receiver(statuses: number[] = []): Promise<{ url: string; received: Received[]; server: Server }> {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      received.push({ body: Buffer.concat(chunks).toString('utf8'), signature: String(req.headers['stripe-signature']) });
      res.writeHead(statuses.shift() ?? 200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/stripe`, received, server };
}

describe('events and signed webhooks (Stripe sandbox)', () => {
  const SECRET = 'whsec_sandbox_test_secret';
  const cleanup: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const close of cleanup.splice(0)) await close();
  });
  async function sandboxWith(options: StripeSandboxOptions): Promise<StripeSandbox> {
    const sandbox = await startStripeSandbox({ now: () => NOW_MS, webhookRetry: { retryDelaysMs: [20], maxAttempts: 3 }, ...options });
    cleanup.push(() => sandbox.close());
    return sandbox;
  }
  async function endpoint(statuses?: number[]): Promise<Awaited<ReturnType<typeof receiver>>> {
    const r = await receiver(statuses);
    cleanup.push(() => new Promise((resolve) => r.server.close(() => resolve())));
    return r;
  }

  it('records Stripe events for a subscription and sends each one, in order, signed so stripe.webhooks.constructEvent accepts it', async () => {
    const hook = await endpoint();
    const sandbox = await sandboxWith({ webhookEndpoints: [{ url: hook.url, secret: SECRET }] });
    const stripe = sandbox.client();
    const customer = await payingCustomer(stripe);
    const price = await monthlyPrice(stripe, 1500);
    const subscription = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }] }, { idempotencyKey: 'sub-1' });
    await sandbox.settleWebhooks();

    const events = (await stripe.events.list()).data.reverse();
    expect(events.map((e) => e.type)).toEqual(['payment_method.attached', 'customer.subscription.created', 'invoice.created', 'invoice.finalized', 'invoice.paid']);
    const created = events[1] as Stripe.Event;
    expect(created.id).toMatch(/^evt_[0-9A-Za-z]{24}$/);
    expect(created).toMatchObject({
      object: 'event', api_version: Stripe.API_VERSION, created: NOW_MS / 1000, livemode: false, pending_webhooks: 1,
      request: { idempotency_key: 'sub-1' }, data: { object: { id: subscription.id, object: 'subscription', status: 'active' } },
    });
    expect(created.request?.id).toMatch(/^req_/);
    expect(await stripe.events.retrieve(created.id)).toMatchObject({ id: created.id, type: 'customer.subscription.created' });
    expect((await stripe.events.list({ type: 'invoice.*' })).data.map((e) => e.type)).toEqual(['invoice.paid', 'invoice.finalized', 'invoice.created']);

    expect(hook.received).toHaveLength(events.length);
    const verified = hook.received.map(({ body, signature }) => {
      expect(signature).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
      return stripe.webhooks.constructEvent(body, signature, SECRET);
    });
    expect(verified.map((e) => e.id)).toEqual(events.map((e) => e.id));
    expect(() => stripe.webhooks.constructEvent(hook.received[0]?.body ?? '', hook.received[0]?.signature ?? '', 'whsec_wrong')).toThrow(Stripe.errors.StripeSignatureVerificationError);
    expect(sandbox.webhookDeliveries.every((d) => d.state === 'delivered' && d.url === hook.url && d.attempts.length === 1 && d.attempts[0]?.status === 200)).toBe(true);
  });

  it('retries a failing endpoint with backoff, keeps later events behind it, and gives up after the last attempt', async () => {
    const flaky = await endpoint([500, 503]);
    const sandbox = await sandboxWith({});
    sandbox.addWebhookEndpoint(flaky.url, SECRET);
    const stripe = sandbox.client();
    const customer = await stripe.customers.create({});
    await stripe.paymentMethods.attach('pm_card_visa', { customer: customer.id });
    await stripe.paymentMethods.attach('pm_card_mastercard', { customer: customer.id });
    await sandbox.settleWebhooks();

    const [first, second] = sandbox.webhookDeliveries;
    expect(first?.attempts.map((a) => a.status)).toEqual([500, 503, 200]);
    expect(first?.state).toBe('delivered');
    expect(second?.attempts.map((a) => a.status)).toEqual([200]);
    const ids = flaky.received.map(({ body }) => (JSON.parse(body) as { id: string }).id);
    expect(ids).toEqual([first?.eventId, first?.eventId, first?.eventId, second?.eventId]);
    // Each attempt is signed afresh and verifies.
    for (const { body, signature } of flaky.received) expect(stripe.webhooks.constructEvent(body, signature, SECRET).id).toBeTruthy();

    const down = await endpoint();
    await new Promise<void>((resolve) => down.server.close(() => resolve()));
    sandbox.addWebhookEndpoint(down.url, 'whsec_other');
    const started = await stripe.customers.create({ payment_method: 'pm_card_amex' });
    expect(started.id).toMatch(/^cus_/);
    await sandbox.settleWebhooks();
    const lost = sandbox.webhookDeliveries.find((d) => d.url === down.url);
    expect(lost).toMatchObject({ state: 'failed', type: 'payment_method.attached' });
    expect(lost?.attempts).toHaveLength(3);
    expect(lost?.attempts.every((a) => a.status === undefined && typeof a.error === 'string')).toBe(true);
  });
});
