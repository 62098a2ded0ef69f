import { describe, it, expect } from 'vitest';
import { startStripeSandbox } from '../../src/sandbox/server';
import { NOW, monthlyPrice, useStripeSandbox } from '../support/stripeSandboxTesting';

describe('the hosted checkout page (Stripe sandbox)', () => {
  const the = useStripeSandbox();

  async function openSession(params: { trialDays?: number } = {}): Promise<{ id: string; url: string; customer: string }> {
    const customer = await the.stripe.customers.create({ name: 'Ada', email: 'ada@example.com' });
    const price = await monthlyPrice(the.stripe, 1500, 'Pro plan');
    const session = await the.stripe.checkout.sessions.create({
      mode: 'subscription', customer: customer.id, line_items: [{ price: price.id, quantity: 2 }],
      success_url: 'https://app.example/done?session={CHECKOUT_SESSION_ID}', cancel_url: 'https://app.example/cancel',
      ...(params.trialDays ? { subscription_data: { trial_period_days: params.trialDays } } : {}),
    });
    return { id: session.id, url: String(session.url), customer: customer.id };
  }
  const post = (url: string): Promise<Response> => fetch(url, { method: 'POST', redirect: 'manual' });

  it('shows the product, the amount and currency, and Pay and Cancel buttons, labelled as a test-mode sandbox', async () => {
    const session = await openSession();
    const response = await fetch(session.url);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await response.text();
    expect(html).toContain('Stripe sandbox — test mode, nothing is charged');
    expect(html).toContain('Pro plan');
    expect(html).toContain('30.00 EUR');
    expect(html).toContain(`<form method="post" action="${session.id}/pay"><button type="submit">Pay</button></form>`);
    // The form action is relative to the page url, so a browser posts to <url>/pay.
    expect(new URL(`${session.id}/pay`, session.url).href).toBe(`${session.url}/pay`);
    expect(html).toMatch(/<button type="submit">Cancel<\/button>/);
    expect((await fetch(`${the.sandbox.url}/checkout/cs_test_missing`)).status).toBe(404);
  });

  it('Pay completes the session like Stripe and redirects to success_url with the session id filled in', async () => {
    const session = await openSession();
    const response = await post(`${session.url}/pay`);
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe(`https://app.example/done?session=${session.id}`);

    const completed = await the.stripe.checkout.sessions.retrieve(session.id);
    expect(completed).toMatchObject({ status: 'complete', payment_status: 'paid', customer: session.customer, customer_details: { email: 'ada@example.com' } });
    const subscription = await the.stripe.subscriptions.retrieve(String(completed.subscription), { expand: ['latest_invoice'] });
    expect(subscription).toMatchObject({ status: 'active', customer: session.customer, latest_invoice: { status: 'paid', amount_paid: 3000 } });
    const pm = await the.stripe.paymentMethods.retrieve(String(subscription.default_payment_method));
    expect(pm).toMatchObject({ customer: session.customer, card: { last4: '4242' } });
    const types = (await the.stripe.events.list({ limit: 20 })).data.map((e) => e.type).reverse();
    expect(types).toEqual(['payment_method.attached', 'customer.subscription.created', 'invoice.created', 'invoice.finalized', 'invoice.paid', 'checkout.session.completed']);

    // Paying again changes nothing and says why.
    const again = await post(`${session.url}/pay`);
    expect(again.status).toBe(409);
    expect(await again.text()).toContain('already complete');
    expect(the.sandbox.state.subscriptions.size).toBe(1);
  });

  it('Pay on a trial session completes with nothing to pay', async () => {
    const session = await openSession({ trialDays: 14 });
    expect(await (await fetch(session.url)).text()).toContain('Free trial until 2023-11-28');
    expect((await post(`${session.url}/pay`)).status).toBe(303);
    expect(await the.stripe.checkout.sessions.retrieve(session.id)).toMatchObject({ status: 'complete', payment_status: 'no_payment_required' });
  });

  it('Cancel redirects to cancel_url and leaves the session open', async () => {
    const session = await openSession();
    const response = await post(`${session.url}/cancel`);
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe('https://app.example/cancel');
    expect((await the.stripe.checkout.sessions.retrieve(session.id)).status).toBe('open');
    expect(the.sandbox.state.subscriptions.size).toBe(0);
  });

  it('refuses to pay an expired session with an error page, creating nothing', async () => {
    const session = await openSession();
    the.clock.now += 24 * 60 * 60 * 1000;
    expect(await (await fetch(session.url)).text()).toContain('expired');
    const response = await post(`${session.url}/pay`);
    expect(response.status).toBe(409);
    expect(await response.text()).toContain('expired');
    expect(the.sandbox.state.subscriptions.size).toBe(0);
    expect((await the.stripe.checkout.sessions.retrieve(session.id)).status).toBe('expired');
    expect((await the.stripe.events.list({ type: 'checkout.session.*' })).data.map((e) => e.type)).toEqual(['checkout.session.expired']);
  });

  it('puts publicUrl in session urls when given one', async () => {
    const proxied = await startStripeSandbox({ now: () => NOW * 1000, publicUrl: 'https://billing.example/stripe/' });
    try {
      const stripe = proxied.client();
      const customer = await stripe.customers.create({});
      const price = await monthlyPrice(stripe, 100);
      const session = await stripe.checkout.sessions.create({ mode: 'subscription', customer: customer.id, line_items: [{ price: price.id }] });
      expect(session.url).toBe(`https://billing.example/stripe/checkout/${session.id}`);
    } finally {
      await proxied.close();
    }
  });
});
