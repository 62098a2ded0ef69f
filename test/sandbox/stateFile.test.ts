import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startStripeSandbox, type StripeSandbox } from '../../src/sandbox/server';

// `npm start` keeps the sandbox in a file of the data folder, so its Postgres and its Stripe stand-in agree after a restart.
describe('the Stripe sandbox state file', () => {
  let folder: string;
  let file: string;
  const running: StripeSandbox[] = [];
  const start = async (now = Date.now): Promise<StripeSandbox> => {
    const sandbox = await startStripeSandbox({ stateFile: file, now });
    running.push(sandbox);
    return sandbox;
  };

  beforeEach(() => {
    folder = mkdtempSync(join(tmpdir(), 'stripe-sandbox-'));
    file = join(folder, 'stripe-sandbox.json');
  });
  afterEach(async () => {
    // Some tests closed theirs already (a restart).
    await Promise.all(running.splice(0).map((sandbox) => sandbox.close().catch(() => undefined)));
    rmSync(folder, { recursive: true, force: true });
  });

  it('knows after a restart the objects an earlier run created, payment method on file included', async () => {
    const first = await start();
    const customer = await first.client().customers.create({ name: 'Ada', email: 'ada@example.com', payment_method: 'pm_card_visa', invoice_settings: { default_payment_method: 'pm_card_visa' } });
    const product = await first.client().products.create({ name: 'Pro' });
    await first.close();

    const second = await start();
    const again = await second.client().customers.retrieve(customer.id);
    expect(again).toMatchObject({ id: customer.id, name: 'Ada', email: 'ada@example.com' });
    expect((again as { invoice_settings: { default_payment_method: string } }).invoice_settings.default_payment_method).toMatch(/^pm_/);
    await second.client().customers.update(customer.id, { name: 'Ada Lovelace' });
    expect((await second.client().products.retrieve(product.id)).name).toBe('Pro');
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it('keeps tax rates, coupons, promotion codes, subscriptions, invoices, checkout sessions and events across a restart; reset() clears them', async () => {
    const first = await start();
    const stripe = first.client();
    const customer = await stripe.customers.create({ name: 'Ada', payment_method: 'pm_card_visa', invoice_settings: { default_payment_method: 'pm_card_visa' } });
    const price = await stripe.prices.create({ product_data: { name: 'Pro' }, currency: 'eur', unit_amount: 1000, recurring: { interval: 'month' } });
    const rate = await stripe.taxRates.create({ display_name: 'VAT', percentage: 19, inclusive: false });
    const coupon = await stripe.coupons.create({ percent_off: 10 });
    const code = await stripe.promotionCodes.create({ promotion: { type: 'coupon', coupon: coupon.id }, max_redemptions: 1 });
    const subscription = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }], default_tax_rates: [rate.id], discounts: [{ promotion_code: code.id }] });
    const session = await stripe.checkout.sessions.create({ mode: 'subscription', customer: customer.id, line_items: [{ price: price.id }], success_url: 'https://app.example/ok' });
    await first.close();

    const second = await start();
    const again = second.client();
    expect((await again.taxRates.retrieve(rate.id)).percentage).toBe(19);
    expect((await again.coupons.retrieve(coupon.id)).times_redeemed).toBe(1);
    expect((await again.promotionCodes.retrieve(code.id)).times_redeemed).toBe(1);
    expect((await again.subscriptions.retrieve(subscription.id)).status).toBe('active');
    expect((await again.invoices.retrieve(String(subscription.latest_invoice))).total).toBe(1071);
    expect((await again.checkout.sessions.retrieve(session.id)).status).toBe('open');
    expect((await again.events.list({ type: 'customer.subscription.created' })).data).toHaveLength(1);
    // The code was used up before the restart, and still is.
    await expect(again.subscriptions.create({ customer: customer.id, items: [{ price: price.id }], discounts: [{ promotion_code: code.id }] })).rejects.toThrow();
    expect(second.completeCheckout(session.id).status).toBe('complete');
    await second.close();

    const third = await start();
    expect((await third.client().checkout.sessions.retrieve(session.id)).status).toBe('complete');
    third.reset();
    expect([third.state.taxRates.size, third.state.coupons.size, third.state.subscriptions.size, third.state.invoices.size, third.state.checkoutSessions.size, third.state.events.size]).toEqual([0, 0, 0, 0, 0, 0]);
  });

  it('replays after a restart a write whose reply a crash swallowed, instead of creating it twice', async () => {
    const first = await start();
    const created = await first.client().customers.create({ name: 'Once' }, { idempotencyKey: 'provision:1:create-customer' });
    await first.close();

    const second = await start();
    const retried = await second.client().customers.create({ name: 'Once' }, { idempotencyKey: 'provision:1:create-customer' });
    expect(retried.id).toBe(created.id);
    expect(retried.lastResponse.headers['idempotent-replayed']).toBe('true');
    expect(second.state.customers.size).toBe(1);
  });

  it('forgets idempotency keys older than 24 hours, like Stripe', async () => {
    let now = Date.UTC(2026, 0, 1);
    const first = await start(() => now);
    const created = await first.client().customers.create({ name: 'Old' }, { idempotencyKey: 'old-key' });
    await first.close();

    now += 25 * 60 * 60 * 1000;
    const second = await start(() => now);
    const fresh = await second.client().customers.create({ name: 'Old' }, { idempotencyKey: 'old-key' });
    expect(fresh.id).not.toBe(created.id);
  });

  it('refuses a file it cannot read, naming it, instead of starting empty beside a Postgres that remembers', async () => {
    writeFileSync(file, '{ not json');
    await expect(start()).rejects.toThrow(`the Stripe sandbox state file ${file} is not valid JSON`);
  });
});
