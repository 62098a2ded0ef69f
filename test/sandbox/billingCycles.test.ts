import { afterEach, describe, expect, it, vi } from 'vitest';
import Stripe from 'stripe';
import { startStripeSandbox, type StripeSandbox } from '../../src/sandbox/server';
import { NOW, NOW_MS, monthlyPrice, payingCustomer, useStripeSandbox } from '../support/stripeSandboxTesting';

describe('subscriptions moving on by the sandbox clock (trial end, renewals)', () => {
  const the = useStripeSandbox();
  const DAY = 86_400;
  const advanceTo = (unixSeconds: number): void => {
    the.clock.now = unixSeconds * 1000;
  };

  it('converts a trial to paid when it ends: a subscription_cycle invoice charged to the card, customer.subscription.updated', async () => {
    const customer = await payingCustomer(the.stripe);
    const price = await monthlyPrice(the.stripe, 1500);
    const trialing = await the.stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }], trial_period_days: 14 });
    const trialEnd = NOW + 14 * DAY;
    advanceTo(trialEnd - 1);
    expect((await the.stripe.subscriptions.retrieve(trialing.id)).status).toBe('trialing');

    advanceTo(trialEnd + 60);
    const active = await the.stripe.subscriptions.retrieve(trialing.id, { expand: ['latest_invoice'] });
    expect(active).toMatchObject({ status: 'active', trial_end: trialEnd, items: { data: [{ current_period_start: trialEnd, current_period_end: trialEnd + 30 * DAY }] } });
    expect(active.latest_invoice).toMatchObject({ billing_reason: 'subscription_cycle', status: 'paid', amount_paid: 1500, created: trialEnd });
    const [updated] = (await the.stripe.events.list({ type: 'customer.subscription.updated' })).data;
    expect(updated?.data.object).toMatchObject({ id: trialing.id, status: 'active' });
    expect(updated?.data.previous_attributes).toMatchObject({ status: 'trialing', latest_invoice: trialing.latest_invoice });
    expect(updated?.request).toEqual({ id: null, idempotency_key: null });
  });

  it('turns a trial without a card past_due with a failed invoice when it ends', async () => {
    const customer = await the.stripe.customers.create({ name: 'No card' });
    const price = await monthlyPrice(the.stripe, 1500);
    const trialing = await the.stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }], trial_end: NOW + 2 * DAY });
    advanceTo(NOW + 3 * DAY);
    const lapsed = await the.stripe.subscriptions.retrieve(trialing.id, { expand: ['latest_invoice'] });
    expect(lapsed).toMatchObject({ status: 'past_due', latest_invoice: { status: 'open', amount_due: 1500, attempted: true } });
    expect((await the.stripe.events.list({ type: 'invoice.payment_failed' })).data).toHaveLength(1);
    // Stripe does not retry without a payment method: past_due stays put.
    advanceTo(NOW + 60 * DAY);
    expect((await the.stripe.invoices.list({ subscription: trialing.id })).data).toHaveLength(2);
  });

  it('renews each period, keeps forever discounts, drops once discounts, and leaves canceled subscriptions alone', async () => {
    const customer = await payingCustomer(the.stripe);
    const price = await monthlyPrice(the.stripe, 1000);
    const forever = await the.stripe.coupons.create({ percent_off: 10, duration: 'forever' });
    const once = await the.stripe.coupons.create({ percent_off: 50, duration: 'once' });
    const kept = await the.stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }], discounts: [{ coupon: forever.id }] });
    const firstOnly = await the.stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }], discounts: [{ coupon: once.id }] });
    const stopped = await the.stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }] });
    await the.stripe.subscriptions.cancel(stopped.id);

    // Two months later: 2023-12-14 and 2024-01-14 have passed.
    advanceTo(NOW + 62 * DAY);
    const totals = async (id: string): Promise<Array<[string | null, number]>> =>
      (await the.stripe.invoices.list({ subscription: id })).data.reverse().map((i: Stripe.Invoice) => [i.billing_reason, i.total]);
    expect(await totals(kept.id)).toEqual([['subscription_create', 900], ['subscription_cycle', 900], ['subscription_cycle', 900]]);
    expect(await totals(firstOnly.id)).toEqual([['subscription_create', 500], ['subscription_cycle', 1000], ['subscription_cycle', 1000]]);
    expect(await totals(stopped.id)).toEqual([['subscription_create', 1000]]);
    const renewed = await the.stripe.subscriptions.retrieve(kept.id);
    expect(renewed.items.data[0]).toMatchObject({ current_period_start: NOW + 61 * DAY, current_period_end: NOW + 92 * DAY });
  });
});

describe('a sandbox nobody calls', () => {
  let sandbox: StripeSandbox | undefined;
  afterEach(async () => {
    await sandbox?.close();
    sandbox = undefined;
  });

  it('still expires sessions on its own sweep, as Stripe sends checkout.session.expired unprompted', async () => {
    let now = NOW_MS;
    sandbox = await startStripeSandbox({ now: () => now, sweepIntervalMs: 10 });
    const stripe = sandbox.client();
    const customer = await stripe.customers.create({});
    const price = await monthlyPrice(stripe, 100);
    const session = await stripe.checkout.sessions.create({ mode: 'subscription', customer: customer.id, line_items: [{ price: price.id }] });
    now += 25 * 60 * 60 * 1000;
    const expired = (): unknown => [...(sandbox?.state.events.values() ?? [])].find((e) => e.type === 'checkout.session.expired');
    await vi.waitFor(() => expect(expired()).toMatchObject({ data: { object: { id: session.id, status: 'expired' } } }));
  });
});
