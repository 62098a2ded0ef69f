import express, { type Request, type Response } from 'express';
import type { Tollgate } from '@tollgate/node-sdk';

// A small product gated by Tollgate (the example catalog, catalog/example.yaml): a boolean feature on a route,
// a metered quota consumed per call, and the upgrade to the paid plan through the hosted checkout.
export function createExampleApp(tollgate: Tollgate, publicUrl: string) {
  const app = express();
  app.use(express.json());

  // Who is calling: a real app takes it from its session; here the `customer` query parameter.
  const customerOf = (req: Request) => String(req.query.customer ?? 'example-customer');

  // Sign-up: the customer starts on the product's initial plan (plan-free).
  app.post('/signup', async (req, res) => {
    const { customer, subscription } = await tollgate.provisionCustomer({ customerId: customerOf(req), email: req.body?.email });
    res.status(201).json({ customerId: customer.customerId, plan: subscription?.planId ?? null });
  });

  // A boolean feature gates a route: plan-pro's advanced analytics.
  app.get('/reports/advanced', async (req, res) => {
    const analytics = await tollgate.getBooleanEntitlement({ customerId: customerOf(req), featureId: 'feature-analytics' });
    if (!analytics.hasAccess) return void res.status(402).json({ error: 'advanced analytics need the Pro plan', upgrade: `POST ${publicUrl}/upgrade?customer=${customerOf(req)}` });
    res.json({ report: 'advanced', isFallback: analytics.isFallback });
  });

  // A metered quota: each call asks for one unit, then reports it once done.
  app.post('/api/calls', async (req, res) => {
    const customerId = customerOf(req);
    const quota = await tollgate.getMeteredEntitlement({ customerId, featureId: 'feature-api-calls', options: { requestedUsage: 1 } });
    if (!quota.hasAccess) return void res.status(429).json({ error: 'monthly API calls used up', usageLimit: quota.usageLimit, currentUsage: quota.currentUsage });
    const usage = await tollgate.reportUsage({ customerId, featureId: 'feature-api-calls', value: 1 });
    res.json({ ok: true, currentUsage: usage.currentUsage ?? null, usageLimit: quota.usageLimit ?? null });
  });

  // The upgrade: a paid plan needs a payment method, so Tollgate answers with a hosted checkout to send the customer to.
  app.post('/upgrade', async (req, res) => {
    const customerId = customerOf(req);
    const result = await tollgate.provisionSubscription({
      customerId,
      planId: 'plan-pro',
      billingPeriod: 'MONTHLY',
      skipTrial: true,
      billableFeatures: [{ featureId: 'feature-seats', quantity: 1 }],
      checkoutOptions: { successUrl: `${publicUrl}/upgraded?customer=${encodeURIComponent(customerId)}`, cancelUrl: `${publicUrl}/reports/advanced?customer=${encodeURIComponent(customerId)}` },
    });
    res.json({ provisionStatus: result.provisionStatus, checkoutUrl: result.checkoutUrl ?? null });
  });

  app.get('/upgraded', (req, res) => void res.send(`Thanks! ${customerOf(req)} is on Pro as soon as the payment is confirmed.`));

  app.use((error: Error, _req: Request, res: Response, _next: () => void) => {
    res.status(502).json({ error: error.message });
  });
  return app;
}
