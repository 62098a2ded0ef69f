import request from 'supertest';
import type { Express } from 'express';
import type { Db } from '../../src/db/createDb';
import { listChangeEventsAfter } from '../../src/db/repositories/changeOutbox.repository';
import { OUTBOX_START } from '../../src/domain/outboxPosition';
import { resetsNever } from '../../src/domain/usage/counterPeriod';
import { applyMeteredCatalog } from './meteredCatalog';
import { waitForOutboxHorizon } from './outboxHorizon';
import { createTestEnvironment } from './testEnvironment';

// An environment of its own with these meters, and POST /v1/events with its key.
export async function meteredEnvironment(app: Express, db: Db, meters: Parameters<typeof applyMeteredCatalog>[2]) {
  const { environmentId, apiKey } = await createTestEnvironment(db);
  const definitions = await applyMeteredCatalog(db, environmentId, meters);
  const postEvents = (body: unknown) => request(app).post('/v1/events').set('X-API-KEY', apiKey).send(body as object);
  return { environmentId, apiKey, meters: definitions, postEvents };
}

// Every counter of the environment: "customer/resource/feature@periodStart" (or "@never") → value.
export async function countersOf(db: Db, environmentId: string): Promise<Record<string, number>> {
  const rows = await db.selectFrom('usage_counters').selectAll().where('environment_id', '=', environmentId).execute();
  return Object.fromEntries(
    rows.map((row) => {
      const period = resetsNever({ start: row.period_start, end: row.period_end }) ? 'never' : row.period_start.toISOString();
      return [`${row.customer_id}/${row.resource_key}/${row.feature_id}@${period}`, row.value];
    }),
  );
}

export async function storedEventCount(db: Db, environmentId: string): Promise<number> {
  const row = await db.selectFrom('raw_events').select(({ fn }) => fn.countAll<number>().as('count')).where('environment_id', '=', environmentId).executeTakeFirstOrThrow();
  return Number(row.count);
}

// The environment's usage.updated events so far, once every transaction committed before the call is readable.
export async function usageEventsOf(db: Db, environmentId: string) {
  await waitForOutboxHorizon(db);
  return listChangeEventsAfter(db, environmentId, OUTBOX_START, 10_000, { types: ['usage.updated'] });
}
