import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { meteredUsageInPeriod } from '../../src/db/repositories/rawEvents.repository';
import { lockCustomerMetering, rebuildMeteredCounter } from '../../src/db/repositories/meteredCounters.repository';
import { counterPeriod, resetsNever } from '../../src/domain/usage/counterPeriod';
import { usagePeriodAt } from '../../src/domain/usage/usagePeriod';
import type { MeterFilter } from '../../src/domain/usage/meterFilters';
import type { RawEvent } from '../../src/domain/usage/rawEventInput';
import { ingestRawEvents } from '../../src/services/ingestRawEvents';
import { applyMeteredCatalog, giveUsagePeriod } from '../support/meteredCatalog';
import { createTestDatabase, type TestDatabase } from '../support/testDatabase';
import { createTestEnvironment } from '../support/testEnvironment';

let database: TestDatabase;
beforeAll(async () => void (database = await createTestDatabase()));
afterAll(async () => database.drop());

// Small domains, so that filters, duplicates and repeated UNIQUE values meet often.
const DIMENSIONS = ['a', 'b', 'c'];
const dimensionValue = fc.constantFrom<string | number | boolean>(1, 2, 2.5, 0.1, 0.2, -1, 1e-7, 1e21, '1', 'x', 'y', true, false);
const filter: fc.Arbitrary<MeterFilter> = fc.oneof(
  fc.record({ dimension: fc.constantFrom(...DIMENSIONS), operator: fc.constantFrom('EXISTS' as const, 'NOT_EXISTS' as const), values: fc.constant([] as MeterFilter['values']) }),
  fc.record({
    dimension: fc.constantFrom(...DIMENSIONS),
    operator: fc.constantFrom('EQUALS' as const, 'NOT_EQUALS' as const, 'IN' as const, 'NOT_IN' as const, 'GT' as const, 'GTE' as const, 'LT' as const, 'LTE' as const),
    values: fc.array(dimensionValue, { minLength: 1, maxLength: 3 }),
  }),
);
const meter = (featureId: string) =>
  fc.record({
    featureId: fc.constant(featureId),
    eventName: fc.constantFrom('e1', 'e2'),
    filters: fc.array(filter, { maxLength: 2 }),
    aggregation: fc.oneof(
      fc.record({ function: fc.constant('COUNT' as const) }),
      fc.record({ function: fc.constantFrom('SUM' as const, 'MAX' as const, 'MIN' as const, 'UNIQUE' as const), field: fc.constantFrom(...DIMENSIONS) }),
    ),
    meterType: fc.constantFrom('Incremental' as const, 'Fluctuating' as const),
  });
const MONTHLY_ANCHOR = new Date('2026-01-15T12:00:00.000Z');
const WEEKLY_ANCHOR = new Date('2026-10-07T08:00:00.000Z');
const WINDOW_START = Date.parse('2026-09-01T00:00:00.000Z');
const DAY = 86_400_000;
const eventIn = (fromDay: number, toDay: number): fc.Arbitrary<RawEvent> =>
  fc.record({
    customerId: fc.constantFrom('c1', 'c2', 'c2'),
    resourceKey: fc.constantFrom('', '', 'r1'),
    eventName: fc.constantFrom('e1', 'e2'),
    idempotencyKey: fc.integer({ min: 0, max: 40 }).map(String),
    dimensions: fc.dictionary(fc.constantFrom(...DIMENSIONS), dimensionValue, { maxKeys: 3 }),
    timestamp: fc.integer({ min: fromDay * DAY, max: toDay * DAY }).map((offset) => new Date(WINDOW_START + offset)),
  });
const event = eventIn(0, 90);

describe('raw event metering: live ingestion and the rebuild from stored events agree', () => {
  it('every counter ingestion wrote equals meteredUsageInPeriod over its period, for random meters and batches', async () => {
    await fc.assert(
      fc.asyncProperty(fc.tuple(meter('f0'), meter('f1'), meter('f2')), fc.array(fc.array(event, { minLength: 1, maxLength: 40, size: 'medium' }), { minLength: 1, maxLength: 4 }), async (meters, batches) => {
        const { environmentId } = await createTestEnvironment(database.db);
        const definitions = await applyMeteredCatalog(database.db, environmentId, meters);
        // c1 has monthly periods (anchored mid-month) on every feature, for a resource too (the customer-wide entitlement); c2 has none: never resets.
        for (const featureId of ['f0', 'f1', 'f2']) await giveUsagePeriod(database.db, environmentId, 'c1', featureId, 'MONTH', MONTHLY_ANCHOR);
        let stored = 0;
        for (const batch of batches) stored += (await ingestRawEvents(database.db, environmentId, batch)).accepted;

        const distinct = new Set(batches.flat().map((e) => JSON.stringify([e.customerId, e.resourceKey, e.eventName, e.idempotencyKey])));
        expect(stored).toBe(distinct.size);
        const counters = await database.db.selectFrom('usage_counters').selectAll().where('environment_id', '=', environmentId).execute();
        for (const counter of counters) {
          const key = { environmentId, customerId: counter.customer_id, resourceKey: counter.resource_key, featureId: counter.feature_id };
          const period = { start: counter.period_start, end: counter.period_end };
          expect({ ...key, period, value: await meteredUsageInPeriod(database.db, key, definitions, period) }).toEqual({ ...key, period, value: counter.value });
        }
        // And no usage was left out: every period an event of a metered name falls in has its counter, or counts 0.
        const written = new Set(counters.map((c) => JSON.stringify([c.customer_id, c.resource_key, c.feature_id, c.period_start.getTime()])));
        for (const e of batches.flat()) {
          for (const m of meters.filter((candidate) => candidate.eventName === e.eventName)) {
            const setting = e.customerId === 'c1' ? { resetPeriod: 'MONTH' as const, usagePeriodAnchor: MONTHLY_ANCHOR } : { resetPeriod: null, usagePeriodAnchor: null };
            const period = counterPeriod({ meterType: m.meterType, ...setting }, e.timestamp);
            if (written.has(JSON.stringify([e.customerId, e.resourceKey, m.featureId, period.start.getTime()]))) continue;
            const key = { environmentId, customerId: e.customerId, resourceKey: e.resourceKey, featureId: m.featureId };
            expect(await meteredUsageInPeriod(database.db, key, definitions, period)).toBe(0);
          }
        }
      }),
      { numRuns: 40 },
    );
  });

  it('a customer whose events were counted without a period gets one: its periods rebuilt from the stored events, live ingestion goes on exactly', async () => {
    await fc.assert(
      fc.asyncProperty(
        // f2 counts UNIQUE values, unfiltered: the case where a rebuilt period must remember the values it counted.
        fc.tuple(meter('f0'), meter('f1'), fc.record({ featureId: fc.constant('f2'), eventName: fc.constantFrom('e1', 'e2'), filters: fc.constant([] as MeterFilter[]), aggregation: fc.record({ function: fc.constant('UNIQUE' as const), field: fc.constantFrom(...DIMENSIONS) }), meterType: fc.constant('Incremental' as const) })),
        // Dense in time, so later events meet earlier ones (and their UNIQUE values) in the rebuilt weeks.
        fc.array(eventIn(0, 14), { minLength: 20, maxLength: 60 }),
        fc.array(eventIn(0, 24).map((e) => ({ ...e, idempotencyKey: `later-${e.idempotencyKey}` })), { minLength: 20, maxLength: 60 }),
        async (meters, before, after) => {
          const { environmentId } = await createTestEnvironment(database.db);
          const definitions = await applyMeteredCatalog(database.db, environmentId, meters);
          await ingestRawEvents(database.db, environmentId, before);
          // c2 subscribes: weekly periods on every feature, and its counters rebuilt for the periods it has events in,
          // and for the period of the subscription's start (perhaps empty), as the subscription's transaction would.
          const start = new Date(WINDOW_START + 20 * DAY);
          await database.db.transaction().execute(async (trx) => {
            await lockCustomerMetering(trx, environmentId, 'c2');
            for (const featureId of ['f0', 'f1', 'f2']) await giveUsagePeriod(trx, environmentId, 'c2', featureId, 'WEEK', WEEKLY_ANCHOR);
            for (const m of meters.filter((candidate) => candidate.meterType === 'Incremental')) {
              for (const resourceKey of ['', 'r1']) {
                const periods = new Map([start, ...before.filter((e) => e.customerId === 'c2' && e.resourceKey === resourceKey).map((e) => e.timestamp)].map((at) => {
                  const period = usagePeriodAt(WEEKLY_ANCHOR, 'WEEK', at);
                  return [period.start.getTime(), period];
                }));
                for (const period of periods.values()) {
                  await rebuildMeteredCounter(trx, { environmentId, customerId: 'c2', resourceKey, featureId: m.featureId }, definitions, period);
                }
              }
            }
          });
          await ingestRawEvents(database.db, environmentId, after);

          const counters = await database.db.selectFrom('usage_counters').selectAll().where('environment_id', '=', environmentId).execute();
          for (const counter of counters) {
            const key = { environmentId, customerId: counter.customer_id, resourceKey: counter.resource_key, featureId: counter.feature_id };
            const period = { start: counter.period_start, end: counter.period_end };
            // c2's counters without a period, of features that now reset, are the past's: the weekly ones replace them (the
            // customer-wide entitlement gives its resource weekly periods too).
            const replaced = key.customerId === 'c2' && resetsNever(period) && meters.find((m) => m.featureId === key.featureId)!.meterType === 'Incremental';
            if (replaced) continue;
            expect({ ...key, period, value: await meteredUsageInPeriod(database.db, key, definitions, period) }).toEqual({ ...key, period, value: counter.value });
          }
        },
      ),
      { numRuns: 30 },
    );
  });
});
