import Tollgate, { TollgateError } from '@tollgate/node-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSdkService, type SdkService } from '../support/sdkService';

// archiveCustomer through the SDK: the contract's name and shape (customerId in, customerId out).
let service: SdkService;
let client: Tollgate;

beforeAll(async () => {
  service = await startSdkService();
  // No stream: only archiveCustomer itself can tell this client's cache that the customer is gone.
  client = Tollgate.initialize({ apiKey: service.apiKey, baseUri: service.baseUri, realtimeUpdatesEnabled: false });
  await client.waitForInitialization();
});
afterAll(async () => {
  await client?.close();
  await service?.stop();
});

describe('archiveCustomer', () => {
  it('answers the customer id; the customer is gone from reads and its cached entitlements answer CustomerIsArchived', async () => {
    await client.provisionCustomer({ customerId: 'customer-to-archive', name: 'Archie', email: 'archie@example.com', subscriptionParams: { planId: 'plan-free', resourceId: 'resource-01' } });
    // Cached before the archival: the SDK must not keep answering from that copy.
    expect(await client.getNumericEntitlement({ customerId: 'customer-to-archive', featureId: 'feature-demo-02', resourceId: 'resource-01' })).toMatchObject({ hasAccess: true, value: 1 });

    expect(await client.archiveCustomer('customer-to-archive')).toBe('customer-to-archive');

    expect(await client.getNumericEntitlement({ customerId: 'customer-to-archive', featureId: 'feature-demo-02', resourceId: 'resource-01' })).toMatchObject({ hasAccess: false, accessDeniedReason: 'CustomerIsArchived' });
    const read = await client.getCustomer('customer-to-archive').catch((error: unknown) => error);
    expect(read).toBeInstanceOf(TollgateError);
    expect(read).toMatchObject({ status: 404, field: 'customerId' });
    // Archiving again is harmless and answers the same.
    expect(await client.archiveCustomer('customer-to-archive')).toBe('customer-to-archive');
  });

  it('an unknown customer is a TollgateError naming customerId', async () => {
    const failure = await client.archiveCustomer('never-provisioned').catch((error: unknown) => error);
    expect(failure).toMatchObject({ status: 404, code: 'NOT_FOUND', field: 'customerId' });
  });
});
