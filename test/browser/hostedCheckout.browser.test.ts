import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { workflowIds } from '../../src/workflows/workflowIds';
import { startApiHarness, type ApiHarness } from '../support/apiHarness';
import { subscriptionTestCatalog } from '../support/subscriptionFixtures';
import { createTestEnvironment } from '../support/testEnvironment';

// Debian's chromium (`apt-get install chromium`; .ci/run installs it). Without one the test is skipped, and says so.
const CHROMIUM = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].find((path) => path && existsSync(path));
if (!CHROMIUM) process.stderr.write('\n[browser test] SKIPPED: no chromium found (install Debian\'s `chromium`, or set CHROMIUM_PATH)\n\n');

// A real browser opens the checkoutUrl, clicks Pay on the sandbox's hosted page and lands on the successUrl; the
// sandbox's signed webhook makes the subscription ACTIVE, as Stripe's would.
describe.skipIf(!CHROMIUM)('a paid signup in a real browser', () => {
  let harness: ApiHarness;
  let browser: Browser;
  let key: string;
  let environmentId: string;

  beforeAll(async () => {
    harness = await startApiHarness({ billing: 'stripe', webhooks: true });
    ({ apiKey: key, environmentId } = await createTestEnvironment(harness.database.db));
    await request(harness.app).put('/v1/catalog').set('X-API-KEY', key).send(subscriptionTestCatalog()).expect(200);
    await harness.client.workflow.getHandle(workflowIds.syncCatalog(environmentId)).result();
    // The flags keep chromium off the network it would otherwise call at every start (closed on these machines).
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await harness?.stop();
  });

  it('opens the checkout, clicks Pay, lands on the successUrl, and the subscription is ACTIVE', { timeout: 120_000 }, async () => {
    const api = () => request(harness.app);
    await api().post('/v1/customers').set('X-API-KEY', key).send({ customerId: 'browser-customer', email: 'ada@example.com', subscriptionParams: null }).expect(201);
    const successUrl = `${harness.url}/health?paid=1`;
    const provisioned = await api()
      .post('/v1/subscriptions')
      .set('X-API-KEY', key)
      .send({ customerId: 'browser-customer', planId: 'plan-basic', billingPeriod: 'MONTHLY', checkoutOptions: { successUrl, cancelUrl: `${harness.url}/docs` } })
      .expect(201);
    expect(provisioned.body.provisionStatus).toBe('PAYMENT_REQUIRED');
    const subscriptionId = provisioned.body.subscription.id as string;

    const page = await browser.newPage();
    await page.goto(provisioned.body.checkoutUrl);
    // The hosted page names the plan and the amount, and offers exactly Pay and Cancel.
    await expect(page.getByText('Basic').first().isVisible()).resolves.toBe(true);
    expect(await page.content()).toContain('19.00');
    await expect(page.getByRole('button', { name: 'Cancel' }).isVisible()).resolves.toBe(true);
    await page.getByRole('button', { name: 'Pay' }).click();
    await page.waitForURL((url) => url.toString() === successUrl, { timeout: 30_000 });
    expect(await page.textContent('body')).toContain('"status":"ok"');

    let subscription: { status: string; billingId: string | null } | undefined;
    for (let attempt = 0; attempt < 200; attempt++) {
      subscription = (await api().get(`/v1/subscriptions/${subscriptionId}`).set('X-API-KEY', key).expect(200)).body;
      if (subscription!.status === 'ACTIVE') break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(subscription).toMatchObject({ status: 'ACTIVE', billingId: expect.stringMatching(/^sub_/) });
  });
});
