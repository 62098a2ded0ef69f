import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { applyCatalog } from '../../src/services/applyCatalog';
import { startApiHarness, type ApiHarness } from '../support/apiHarness';
import { expectAnswersDocumented, recordAnswers } from '../support/documentedAnswers';
import { publishSecondVersions } from '../support/planVersions';
import { subscriptionTestCatalog } from '../support/subscriptionFixtures';
import { createTestEnvironment } from '../support/testEnvironment';

// Grandfathering and migrateSubscriptionToLatest over HTTP without a billing integration: a published change makes
// new versions, live subscriptions keep theirs until migrated (now or at the period end), entitlements follow.
let harness: ApiHarness;
let key: string;
let environmentId: string;

const answers = recordAnswers(() => harness.app);
const api = answers.api;
afterEach(async () => expectAnswersDocumented(harness.app, answers.takeAnswers()));

let counter = 0;
async function customerOn(body: Record<string, unknown>) {
  const customerId = `migration-api-${++counter}`;
  await api().post('/v1/customers').set('X-API-KEY', key).send({ customerId, subscriptionParams: null }).expect(201);
  const subscription = (await api().post('/v1/subscriptions').set('X-API-KEY', key).send({ customerId, ...body }).expect(201)).body.subscription;
  return { customerId, subscription: subscription as { id: string; currentBillingPeriodEnd: string } };
}
const migrate = (id: string, body: unknown) => api().post(`/v1/subscriptions/${id}/migrate`).set('X-API-KEY', key).send(body as object);
const read = async (id: string) => (await api().get(`/v1/subscriptions/${id}`).set('X-API-KEY', key).expect(200)).body;
const historyOf = async (id: string) => ((await api().get(`/v1/subscriptions/${id}/history`).set('X-API-KEY', key).expect(200)).body.entries as { transition: string }[]).map((e) => e.transition);
const projects = async (customerId: string) => (await api().get(`/v1/customers/${customerId}/entitlements/feature-projects`).set('X-API-KEY', key).expect(200)).body.value;
const amounts = (subscription: { prices: { packageId: string; version: number; unitPrice: { amount: number } }[] }) => subscription.prices.map((p) => `${p.packageId}@${p.version}:${p.unitPrice.amount}`);

// Subscribed while version 1 was the latest.
let grandfathered: { customerId: string; subscription: { id: string; currentBillingPeriodEnd: string } };
let laterInPeriod: { customerId: string; subscription: { id: string; currentBillingPeriodEnd: string } };
let withAddon: { customerId: string; subscription: { id: string; currentBillingPeriodEnd: string } };

beforeAll(async () => {
  harness = await startApiHarness({ billing: 'none' });
  const environment = await createTestEnvironment(harness.database.db);
  key = environment.apiKey;
  environmentId = environment.environmentId;
  await applyCatalog(harness.database.db, environmentId, subscriptionTestCatalog());
  grandfathered = await customerOn({ planId: 'plan-basic', billingPeriod: 'MONTHLY' });
  laterInPeriod = await customerOn({ planId: 'plan-basic', billingPeriod: 'MONTHLY' });
  withAddon = await customerOn({ planId: 'plan-basic', billingPeriod: 'MONTHLY', addons: [{ addonId: 'addon-extra-projects', quantity: 2 }] });
  const changes = await publishSecondVersions(harness.database.db, environmentId);
  expect(changes).toEqual(
    expect.arrayContaining([
      { entity: 'plan', id: 'plan-basic', action: 'versionPublished', version: 2 },
      { entity: 'addon', id: 'addon-extra-projects', action: 'versionPublished', version: 2 },
    ]),
  );
}, 120_000);
afterAll(async () => harness?.stop());

describe('grandfathering', () => {
  it('live subscriptions keep their version\'s prices and entitlements; new subscriptions get the latest', async () => {
    const old = await read(grandfathered.subscription.id);
    expect(old.planVersion).toBe(1);
    expect(amounts(old)).toEqual(['plan-basic@1:1900']);
    expect(await projects(grandfathered.customerId)).toBe(20);
    // 20 + 2 × 10 at the add-on's version 1.
    expect(await projects(withAddon.customerId)).toBe(40);

    const fresh = await customerOn({ planId: 'plan-basic', billingPeriod: 'MONTHLY', addons: [{ addonId: 'addon-extra-projects', quantity: 1 }] });
    const current = await read(fresh.subscription.id);
    expect(current.planVersion).toBe(2);
    expect(current.addons).toEqual([{ addonId: 'addon-extra-projects', quantity: 1, version: 2 }]);
    expect(amounts(current)).toEqual(['plan-basic@2:2900', 'addon-extra-projects@2:700']);
    // 30 + 15 at version 2.
    expect(await projects(fresh.customerId)).toBe(45);
  });
});

describe('migrateSubscriptionToLatest', () => {
  it('IMMEDIATE moves the plan and its add-ons to the latest versions, entitlements at once, with a history entry; again is an explicit no-op', async () => {
    const migrated = (await migrate(withAddon.subscription.id, { subscriptionMigrationTime: 'IMMEDIATE' }).expect(200)).body;
    expect(migrated.migration).toBe('MIGRATED');
    expect(migrated.subscription.planVersion).toBe(2);
    expect(migrated.subscription.addons).toEqual([{ addonId: 'addon-extra-projects', quantity: 2, version: 2 }]);
    expect(amounts(migrated.subscription)).toEqual(['plan-basic@2:2900', 'addon-extra-projects@2:700']);
    // 30 + 2 × 15.
    expect(await projects(withAddon.customerId)).toBe(60);
    expect(await historyOf(withAddon.subscription.id)).toEqual(['CREATED', 'MIGRATED']);

    const again = (await migrate(withAddon.subscription.id, {}).expect(200)).body;
    expect(again.migration).toBe('ALREADY_LATEST');
    expect(again.subscription).toEqual(migrated.subscription);
    expect(await historyOf(withAddon.subscription.id)).toEqual(['CREATED', 'MIGRATED']);
  });

  it('END_OF_BILLING_PERIOD schedules it at the period end (shown on the read), keeping the old version until then; IMMEDIATE then migrates at once', async () => {
    const { customerId, subscription } = laterInPeriod;
    const scheduled = (await migrate(subscription.id, { subscriptionMigrationTime: 'END_OF_BILLING_PERIOD' }).expect(200)).body;
    expect(scheduled.migration).toBe('SCHEDULED');
    expect(scheduled.subscription).toMatchObject({ planVersion: 1, scheduledChanges: [{ type: 'MIGRATION', at: subscription.currentBillingPeriodEnd }] });
    expect(await projects(customerId)).toBe(20);
    expect(await historyOf(subscription.id)).toEqual(['CREATED', 'MIGRATION_SCHEDULED']);

    const now = (await migrate(subscription.id, {}).expect(200)).body;
    expect(now.migration).toBe('MIGRATED');
    expect(now.subscription).toMatchObject({ planVersion: 2, scheduledChanges: [] });
    expect(await projects(customerId)).toBe(30);
  });

  it('a subscription already on the latest version answers ALREADY_LATEST and changes nothing', async () => {
    const fresh = await customerOn({ planId: 'plan-basic', billingPeriod: 'MONTHLY' });
    const before = await read(fresh.subscription.id);
    for (const subscriptionMigrationTime of ['IMMEDIATE', 'END_OF_BILLING_PERIOD']) {
      const answer = (await migrate(fresh.subscription.id, { subscriptionMigrationTime }).expect(200)).body;
      expect(answer).toEqual({ migration: 'ALREADY_LATEST', subscription: before });
    }
    expect(await historyOf(fresh.subscription.id)).toEqual(['CREATED']);
  });

  it('refuses, naming the field and changing nothing: unknown subscription 404, ended 409, bad migration time or field 400', async () => {
    expect((await migrate('sub-unknown', {}).expect(404)).body.error).toMatchObject({ code: 'NOT_FOUND', field: 'subscriptionId' });
    const before = await read(grandfathered.subscription.id);
    const refused = async (body: unknown, field: string) => {
      const answer = await migrate(grandfathered.subscription.id, body).expect(400);
      expect(answer.body.error.field ?? answer.body.error.details?.[0]?.field).toBe(field);
    };
    await refused({ subscriptionMigrationTime: 'LATER' }, 'subscriptionMigrationTime');
    await refused({ subscriptionMigrationTime: 'SPECIFIC_DATE' }, 'subscriptionMigrationTime');
    await refused({ when: 'now' }, 'when');
    expect(await read(grandfathered.subscription.id)).toEqual(before);
    expect(await historyOf(grandfathered.subscription.id)).toEqual(['CREATED']);

    const ended = await customerOn({ planId: 'plan-basic', billingPeriod: 'MONTHLY' });
    await api().post(`/v1/subscriptions/${ended.subscription.id}/cancel`).set('X-API-KEY', key).send({}).expect(200);
    expect((await migrate(ended.subscription.id, {}).expect(409)).body.error).toMatchObject({ code: 'SUBSCRIPTION_NOT_MIGRATABLE', field: 'subscriptionId' });
  });
});

describe('bulk migration of a plan', () => {
  const progressOf = async (path: string) => (await api().get(path).set('X-API-KEY', key).expect(200)).body;
  async function completed(path: string) {
    for (let attempt = 0; attempt < 300; attempt++) {
      const progress = await progressOf(path);
      if (progress.status === 'COMPLETED') return progress;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`${path} did not complete`);
  }

  it('migrates every live subscription still on an older version, each once, and reports its progress', async () => {
    const olderOnes = [grandfathered, ...(await Promise.all([1, 2, 3].map(() => customerOn({ planId: 'plan-site-paid', resourceId: `site-${++counter}`, billingPeriod: 'MONTHLY' }))))];
    expect((await read(grandfathered.subscription.id)).planVersion).toBe(1);
    const started = (await api().post('/v1/plans/plan-basic/migrate').set('X-API-KEY', key).send({ ratePerSecond: 50, pageSize: 1 }).expect(202)).body;
    expect(started).toMatchObject({ migrationId: `plan-migration:${environmentId}:plan-basic`, started: true, progress: { packageId: 'plan-basic', packageType: 'PLAN', status: 'RUNNING' } });

    const progress = await completed('/v1/plans/plan-basic/migration');
    // Only grandfathered was left on plan-basic version 1 (the others were migrated above); one subscription per page.
    expect(progress).toMatchObject({ latestVersion: 2, total: 1, processed: 1, migrated: 1, scheduled: 0, alreadyLatest: 0, failed: 0, failures: [], pages: 1 });
    expect((await read(grandfathered.subscription.id)).planVersion).toBe(2);
    expect(await projects(grandfathered.customerId)).toBe(30);
    expect(await historyOf(grandfathered.subscription.id)).toEqual(['CREATED', 'MIGRATED']);
    // Subscriptions of other plans are not touched.
    for (const other of olderOnes.slice(1)) expect(await historyOf(other.subscription.id)).toEqual(['CREATED']);

    // Asked again, nothing is left to move.
    await api().post('/v1/plans/plan-basic/migrate').set('X-API-KEY', key).send({}).expect(202);
    expect(await completed('/v1/plans/plan-basic/migration')).toMatchObject({ total: 0, processed: 0, migrated: 0, pages: 0 });
    expect(await historyOf(grandfathered.subscription.id)).toEqual(['CREATED', 'MIGRATED']);
  });

  it('refuses an unknown plan (404), a plan never migrated (404 on its progress) and bad settings (400 naming the field)', async () => {
    expect((await api().post('/v1/plans/plan-nope/migrate').set('X-API-KEY', key).send({}).expect(404)).body.error).toMatchObject({ code: 'NOT_FOUND', field: 'planId' });
    expect((await api().get('/v1/plans/plan-pro/migration').set('X-API-KEY', key).expect(404)).body.error).toMatchObject({ field: 'planId' });
    const refused = async (body: unknown, field: string) => {
      const answer = await api().post('/v1/plans/plan-pro/migrate').set('X-API-KEY', key).send(body as object).expect(400);
      expect(answer.body.error.field ?? answer.body.error.details?.[0]?.field).toBe(field);
    };
    await refused({ ratePerSecond: 0 }, 'ratePerSecond');
    await refused({ pageSize: 501 }, 'pageSize');
    await refused({ subscriptionMigrationTime: 'NEVER' }, 'subscriptionMigrationTime');
    await api().get('/v1/plans/plan-pro/migration').set('X-API-KEY', key).expect(404);
  });
});
