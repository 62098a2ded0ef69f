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

  it('apply an update sent with a request key once: a second run of it, even concurrent, gets the first outcome and changes nothing', async () => {
    const { environmentId } = await createTestEnvironment(database.db);
    const activities = createActivities({ db: database.db, billing: createNoneBillingProvider(), logger: pino({ level: 'silent' }) });
    await activities.insertCustomer({ environmentId, customerId: 'c3', name: 'Before', email: null, couponId: null, metadata: {}, billingId: null });
    const once = { environmentId, customerId: 'c3', changes: { name: 'Once' }, requestKey: 'key-1:fingerprint' };
    const [first, second] = await Promise.all([activities.updateCustomer(once), activities.updateCustomer(once)]);
    expect(second).toEqual(first);
    await activities.updateCustomer({ environmentId, customerId: 'c3', changes: { name: 'Newer' } });
    expect(await activities.updateCustomer(once)).toEqual(first);
    expect(await activities.findAppliedCustomerUpdate({ environmentId, requestKey: once.requestKey })).toEqual(first);
    expect((await activities.findCustomer({ environmentId, customerId: 'c3' }))?.customer.name).toBe('Newer');
  });
});
