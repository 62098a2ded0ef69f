import type { Client } from '@temporalio/client';
import Stripe from 'stripe';
import { parse } from 'yaml';
import { SANDBOX_SECRET_KEY } from '../src/sandbox/secretKey';
import { waitForCatalogSync, type BenchApi } from './benchApi';

export type MigrationFigures = {
  subscriptions: number;
  ratePerSecond: number;
  seconds: number;
  perSecond: number;
  progress: { migrated: number; failed: number; pages: number };
  // Counted at the provider (the sandbox), not by Tollgate: one update per subscription, one proration invoice each.
  providerUpdates: number;
  prorationInvoices: number;
};

type Progress = { status: string; migrated: number; failed: number; pages: number; total: number };

// Paid subscriptions of plan-basic (a card on file, so each has a Stripe subscription), then a dearer version 2,
// then one bulk migration timed from its POST to its COMPLETED progress; the provider's side counted at the sandbox.
export async function measureMigration(options: { api: BenchApi; client: Client; catalogYaml: string; sandboxPort: string; run: string; subscriptions: number; ratePerSecond: number }): Promise<MigrationFigures> {
  const { api, run } = options;
  const ids: string[] = [];
  const indexes = Array.from({ length: options.subscriptions }, (_, i) => i);
  for (let i = 0; i < indexes.length; i += 8) {
    await Promise.all(
      indexes.slice(i, i + 8).map(async (n) => {
        const customerId = `${run}-migration-${n}`;
        await api('POST', '/v1/customers', { customerId, subscriptionParams: null, billingInfo: { paymentMethodId: 'pm_card_visa' } });
        const answer = (await api('POST', '/v1/subscriptions', { customerId, planId: 'plan-basic', billingPeriod: 'MONTHLY' })) as { subscription: { billingId: string } };
        ids.push(answer.subscription.billingId);
      }),
    );
  }
  const catalog = parse(options.catalogYaml) as { plans: { id: string; prices?: { billingPeriod: string; amount?: number }[] }[] };
  const monthly = catalog.plans.find((plan) => plan.id === 'plan-basic')!.prices!.find((price) => price.billingPeriod === 'MONTHLY')!;
  monthly.amount = monthly.amount! + 1000;
  await api('PUT', '/v1/catalog', catalog);
  // The new version's Stripe prices first: until they exist a migration waits for them, which is not its own cost.
  await waitForCatalogSync(options.client);

  const stripe = new Stripe(SANDBOX_SECRET_KEY, { host: '127.0.0.1', port: Number(options.sandboxPort), protocol: 'http' });
  const started = performance.now();
  await api('POST', '/v1/plans/plan-basic/migrate', { ratePerSecond: options.ratePerSecond });
  let progress: Progress;
  for (;;) {
    progress = (await api('GET', '/v1/plans/plan-basic/migration')) as Progress;
    if (progress.status === 'COMPLETED') break;
    await new Promise((done) => setTimeout(done, 100));
  }
  const seconds = (performance.now() - started) / 1000;
  let providerUpdates = 0;
  let prorationInvoices = 0;
  for (const billingId of ids) {
    const invoices = await stripe.invoices.list({ subscription: billingId, limit: 100 });
    const prorations = invoices.data.filter((invoice) => invoice.billing_reason === 'subscription_update').length;
    prorationInvoices += prorations;
    const subscription = await stripe.subscriptions.retrieve(billingId);
    if (subscription.items.data.some((item) => item.price.unit_amount === monthly.amount)) providerUpdates += 1;
  }
  return {
    subscriptions: options.subscriptions,
    ratePerSecond: options.ratePerSecond,
    seconds,
    perSecond: progress.migrated / seconds,
    progress: { migrated: progress.migrated, failed: progress.failed, pages: progress.pages },
    providerUpdates,
    prorationInvoices,
  };
}

export function printMigration(figures: MigrationFigures): void {
  console.log('\nBulk migration (POST /v1/plans/plan-basic/migrate, paid subscriptions with the sandbox behind the Stripe adapter)');
  console.log(`  ${figures.progress.migrated} of ${figures.subscriptions} migrated in ${figures.seconds.toFixed(1)} s: ${figures.perSecond.toFixed(1)} subscriptions/s (rate limit ${figures.ratePerSecond}/s, ${figures.progress.pages} pages, ${figures.progress.failed} failed)`);
  console.log(`  at the provider: ${figures.providerUpdates} subscriptions on the new price, ${figures.prorationInvoices} proration invoices (one each expected)`);
}
