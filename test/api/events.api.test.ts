import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiHarness, type ApiHarness } from '../support/apiHarness';
import { usageEventsOf, countersOf, meteredEnvironment, storedEventCount } from '../support/eventsApi';

let harness: ApiHarness;
beforeAll(async () => void (harness = await startApiHarness({ billing: 'none' })));
afterAll(async () => harness?.stop());

// As a client should: a 503 (here: no free database connection in time, under the load of 50 requests on a pool of
// 5) is retried, which the dedupe makes safe.
async function retryingUnavailable(send: () => Promise<{ status: number; body: { accepted: number; duplicates: number } }>) {
  for (let attempt = 1; ; attempt++) {
    const answer = await send();
    if (answer.status !== 503 || attempt === 20) return answer;
    await new Promise((resolve) => setTimeout(resolve, 50 * attempt));
  }
}
const environment = (meters: Parameters<typeof meteredEnvironment>[2]) => meteredEnvironment(harness.app, harness.database.db, meters);
const apiCalls = { featureId: 'feature-api-calls', eventName: 'api_call', filters: [], aggregation: { function: 'COUNT' as const } };
const event = (idempotencyKey: string, fields: Record<string, unknown> = {}) => ({ customerId: 'customer-1', eventName: 'api_call', idempotencyKey, ...fields });

describe('POST /v1/events: storing and deduplicating', () => {
  it('stores and counts an event once; a copy answers as a duplicate and counts nothing', async () => {
    const { environmentId, postEvents } = await environment([apiCalls]);
    expect((await postEvents(event('k1', { dimensions: { user: 'u1' } })).expect(200)).body).toEqual({ accepted: 1, duplicates: 0 });
    expect((await postEvents(event('k1', { dimensions: { user: 'u1' } })).expect(200)).body).toEqual({ accepted: 0, duplicates: 1 });
    // Even with other dimensions or time: the key is the event's identity.
    expect((await postEvents([event('k1', { dimensions: { user: 'u2' }, timestamp: '2026-01-01T00:00:00Z' })]).expect(200)).body).toEqual({ accepted: 0, duplicates: 1 });

    expect(await countersOf(harness.database.db, environmentId)).toEqual({ 'customer-1//feature-api-calls@never': 1 });
    const stored = await harness.database.db.selectFrom('raw_events').selectAll().where('environment_id', '=', environmentId).execute();
    expect(stored).toEqual([expect.objectContaining({ customer_id: 'customer-1', resource_key: '', event_name: 'api_call', idempotency_key: 'k1', dimensions: { user: 'u1' } })]);
    // The stream is told once, with the counter's value; a counter that never resets has no period.
    const told = await usageEventsOf(harness.database.db, environmentId);
    expect(told.map(({ type, customerId, resourceId, payload }) => ({ type, customerId, resourceId, payload }))).toEqual([
      { type: 'usage.updated', customerId: 'customer-1', resourceId: null, payload: { featureId: 'feature-api-calls', currentUsage: 1, usagePeriodStart: null, usagePeriodEnd: null } },
    ]);
  });

  it('deduplicates on (customer, resource, event name, idempotency key): a different one of them is another event', async () => {
    const { environmentId, postEvents } = await environment([apiCalls, { ...apiCalls, featureId: 'feature-logins', eventName: 'login' }]);
    const answer = await postEvents([
      event('k1'),
      event('k1', { customerId: 'customer-2' }),
      event('k1', { resourceId: 'site-1' }),
      event('k1', { eventName: 'login' }),
      // Repeated within the batch: counted once.
      event('k1'),
      event('k1', { resourceId: 'site-1' }),
    ]).expect(200);
    expect(answer.body).toEqual({ accepted: 4, duplicates: 2 });
    expect(await countersOf(harness.database.db, environmentId)).toEqual({
      'customer-1//feature-api-calls@never': 1,
      'customer-2//feature-api-calls@never': 1,
      'customer-1/site-1/feature-api-calls@never': 1,
      'customer-1//feature-logins@never': 1,
    });
  });

  it('20 identical requests at once count the event once', async () => {
    const { environmentId, postEvents } = await environment([apiCalls]);
    const answers = await Promise.all(Array.from({ length: 20 }, () => retryingUnavailable(() => postEvents([event('same-1'), event('same-2')]))));
    expect(answers.map((answer) => answer.status)).toEqual(Array(20).fill(200));
    expect(answers.reduce((sum, answer) => sum + answer.body.accepted, 0)).toBe(2);
    expect(answers.reduce((sum, answer) => sum + answer.body.duplicates, 0)).toBe(38);
    expect(await countersOf(harness.database.db, environmentId)).toEqual({ 'customer-1//feature-api-calls@never': 2 });
    expect(await storedEventCount(harness.database.db, environmentId)).toBe(2);
  });

  it('50 concurrent batches sum exactly: no lost update, no double count, overlapping copies counted once', async () => {
    const { environmentId, postEvents } = await environment([
      apiCalls,
      { featureId: 'feature-bytes', eventName: 'api_call', filters: [], aggregation: { function: 'SUM', field: 'bytes' } },
      { featureId: 'feature-users', eventName: 'api_call', filters: [], aggregation: { function: 'UNIQUE', field: 'user' } },
      { featureId: 'feature-peak', eventName: 'api_call', filters: [], aggregation: { function: 'MAX', field: 'bytes' } },
    ]);
    // Batch b holds events b*100 .. b*100+99 and repeats the first 20 of the next batch; two customers share each batch.
    const eventNumber = (n: number) => event(`e-${n}`, { customerId: `customer-${n % 2}`, dimensions: { bytes: (n % 7) + 0.1, user: `user-${n % 13}` } });
    const batches = Array.from({ length: 50 }, (_, b) => [
      ...Array.from({ length: 100 }, (_, i) => eventNumber(b * 100 + i)),
      ...Array.from({ length: 20 }, (_, i) => eventNumber(((b + 1) % 50) * 100 + i)),
    ]);
    const answers = await Promise.all(batches.map((batch) => retryingUnavailable(() => postEvents(batch))));
    expect(answers.map((answer) => answer.status)).toEqual(Array(50).fill(200));
    expect(answers.reduce((sum, answer) => sum + answer.body.accepted, 0)).toBe(5_000);
    expect(answers.reduce((sum, answer) => sum + answer.body.duplicates, 0)).toBe(1_000);

    // Expected figures, exact: bytes are (n % 7) + 0.1, summed in tenths.
    const expected: Record<string, number> = {};
    for (const customer of [0, 1]) {
      const numbers = Array.from({ length: 5_000 }, (_, n) => n).filter((n) => n % 2 === customer);
      const users = new Set(numbers.map((n) => n % 13));
      expected[`customer-${customer}//feature-api-calls@never`] = numbers.length;
      expected[`customer-${customer}//feature-bytes@never`] = numbers.reduce((tenths, n) => tenths + (n % 7) * 10 + 1, 0) / 10;
      expected[`customer-${customer}//feature-users@never`] = users.size;
      expected[`customer-${customer}//feature-peak@never`] = 6.1;
    }
    expect(await countersOf(harness.database.db, environmentId)).toEqual(expected);
    expect(await storedEventCount(harness.database.db, environmentId)).toBe(5_000);
  });
});
