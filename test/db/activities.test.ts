import { ApplicationFailure } from '@temporalio/common';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActivities } from '../../src/activities/createActivities';
import { createNoneBillingProvider } from '../../src/billing/noneBillingProvider';
import { createTestDatabase, type TestDatabase } from '../support/testDatabase';
import { createTestEnvironment } from '../support/testEnvironment';

let database: TestDatabase;
beforeAll(async () => void (database = await createTestDatabase()));
afterAll(async () => database?.drop());

describe('activities on a real Postgres', () => {
  it('turn data Postgres refuses into a non-retryable InvalidData failure instead of retrying forever', async () => {
    const { environmentId } = await createTestEnvironment(database.db);
    const activities = createActivities({ db: database.db, billing: createNoneBillingProvider(), logger: pino({ level: 'silent' }) });
    const failure = await activities
      .insertCustomer({ environmentId, customerId: 'c1', name: 'a\u0000b', email: null, couponId: null, metadata: {}, billingId: null })
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect(failure).toMatchObject({ type: 'InvalidData', nonRetryable: true });
  });

  it('insert a customer once and report the existing row on the second insert', async () => {
    const { environmentId } = await createTestEnvironment(database.db);
    const activities = createActivities({ db: database.db, billing: createNoneBillingProvider(), logger: pino({ level: 'silent' }) });
    const input = { environmentId, customerId: 'c2', name: 'Ada', email: null, couponId: null, metadata: { a: 'b' }, billingId: null };
    const first = await activities.insertCustomer(input);
    const second = await activities.insertCustomer({ ...input, name: 'Other' });
    expect(first).toMatchObject({ created: true, archived: false, customer: { name: 'Ada', metadata: { a: 'b' } } });
    expect(second).toEqual({ ...first, created: false });
  });
});
