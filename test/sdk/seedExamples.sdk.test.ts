import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Tollgate, { SubscriptionCancellationTime, SubscriptionStatus, TollgateError, UsageUpdateBehavior } from '@tollgate/node-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SEED_BILLING_INFO } from '../support/seedExamples';
import { countEvents, startSdkService, type SdkService } from '../support/sdkService';

// Every example of the seed's SDK guide, with the seed's own argument objects: only the import and baseUri differ.
let service: SdkService;
let stiggClient: Tollgate;

beforeAll(async () => {
  service = await startSdkService();
  stiggClient = Tollgate.initialize({ apiKey: service.apiKey, baseUri: service.baseUri });
});
afterAll(async () => {
  await stiggClient?.close();
  await service?.stop();
});

describe('the seed\'s examples', () => {
  it('waitForInitialization resolves with the client once it is ready', async () => {
    await expect(stiggClient.waitForInitialization()).resolves.toBe(stiggClient);
  });

  it('provisionCustomer with subscriptionParams, billingInfo and metadata', async () => {
    const customer = await stiggClient.provisionCustomer({
      customerId: 'customer-test-id',
      name: 'My very first customer', // optional
      email: 'john@example.com', // optional - billing email address
      couponId: 'coupon-test-id', // optional
      subscriptionParams: {
        // optional - pass null to skip initial subscription
        planId: 'plan-basic',
        resourceId: 'resource-01', // optional, required for multiple subscription for same product
        billableFeatures: [{ featureId: 'feature-01-templates', quantity: 2 }], // optional, required for subscriptions with per unit pricing
        billingPeriod: 'MONTHLY', // optional, relevant only for paid subscriptions
        addons: [{ addonId: 'addon-extra-stuff', quantity: 1 }], // optional
        promotionCode: 'STIGG30', // optional
        billingCountryCode: 'DK', // optional, required for price localization, must be in the ISO-3166-1 format
        metadata: { key: 'value' }, // optional
        billingInformation: { taxPercentage: 17 }, // optional. taxRate will be created if not exists
      },
      billingInfo: SEED_BILLING_INFO,
      metadata: { key: 'value' }, // optional - metadata that will be stored in Stigg
    });
    expect(customer.customer).toMatchObject({ customerId: 'customer-test-id', name: 'My very first customer', email: 'john@example.com', couponId: 'coupon-test-id', metadata: { key: 'value' } });
    expect(customer.customer.createdAt).toBeInstanceOf(Date);
    expect(customer.subscriptionDecisionStrategy).toBe('REQUESTED_PLAN');
    expect(customer.subscription).toMatchObject({ planId: 'plan-basic', status: SubscriptionStatus.Active, resource: { id: 'resource-01' }, addons: [{ addonId: 'addon-extra-stuff', quantity: 1 }] });
    expect(customer.subscription!.startDate).toBeInstanceOf(Date);
  });

  it('provisionCustomer without a default subscription (subscriptionParams: null)', async () => {
    const { customer, subscription, subscriptionDecisionStrategy } = await stiggClient.provisionCustomer({ customerId: 'customer-demo-01', subscriptionParams: null });
    expect(customer.customerId).toBe('customer-demo-01');
    expect(subscription).toBeUndefined();
    expect(subscriptionDecisionStrategy).toBe('SKIPPED_SUBSCRIPTION_CREATION');
  });

  it('updateCustomer: only what changes, billingInfo whole', async () => {
    const customer = await stiggClient.updateCustomer({
      customerId: 'customer-test-id',
      email: 'john@example.com', // optional, use to update the customer's email address
      couponId: 'coupon-test-id', // optional, use to apply a coupon to a customer
      billingInfo: SEED_BILLING_INFO, // optional, use to update the customer's billing information
      metadata: { key: 'value' }, // optional, use to update the customer's metadata
    });
    expect(customer).toMatchObject({ customerId: 'customer-test-id', name: 'My very first customer', email: 'john@example.com', metadata: { key: 'value' } });
    expect(customer.updatedAt).toBeInstanceOf(Date);
    expect((await stiggClient.getCustomer('customer-test-id')).email).toBe('john@example.com');
  });

  it('provisionSubscription with every option of the example', async () => {
    const subscription = await stiggClient.provisionSubscription({
      customerId: 'customer-demo-01', // Mandatory, subscription customer ID
      planId: 'plan-basic', // Mandatory, subscription plan ID
      billingPeriod: 'MONTHLY', // Optional, required only for paid subscriptions
      resourceId: 'resource-01', // Optional, required for multiple subscription for same product
      billableFeatures: [{ featureId: 'feature-01-templates', quantity: 2 }], // Optional, required for subscriptions with per unit pricing
      addons: [{ addonId: 'addon-extra-stuff', quantity: 1 }], // Optional, list of subscription addons and quantities
      promotionCode: 'STIGG30', // Optional, used for discounts
      billingCountryCode: 'DK', // Optional, required for price localization, must be in the ISO-3166-1 format
      billingInformation: {
        taxRateIds: ['txr_1LcTSRE1gVT2zwZV07MIRKdf', 'txr_1LcTSRE1gVT2zwZV07MIRKdf'], // Optional, list of tax rate IDs to apply in Stripe
        metadata: { lorem: 'ipsum' }, // Optional, metadata that is being passed-through to the billing integration
        taxPercentage: 17, // Optional, used to create a taxRate with the provided percent if not exists
      },
      checkoutOptions: {
        successUrl: 'https://your-success-url.com', // Mandatory, redirect URL after the checkout is complete
        cancelUrl: 'https://your-cancel-url.com', // Mandatory, redirect URL after the checkout is cancelled
        allowPromoCodes: true,
        collectBillingAddress: true,
        referenceId: 'your-id-for-the-checkout-session',
        allowTaxIdCollection: true,
        collectPhoneNumber: true,
      },
      metadata: { key: 'value' }, // Optional, can be used to store extra data
    });
    // Without a billing integration no payment is required: the subscription is created at once.
    expect(subscription.provisionStatus).toBe('SUCCESS');
    expect(subscription.subscription).toMatchObject({ customerId: 'customer-demo-01', planId: 'plan-basic', status: 'ACTIVE', promotionCode: 'STIGG30', metadata: { key: 'value' } });
    const [slim] = await stiggClient.getActiveSubscriptionsList({ customerId: 'customer-demo-01', resourceId: 'resource-01' });
    expect(slim).toMatchObject({ id: subscription.subscription!.id, planId: 'plan-basic', status: 'ACTIVE' });
    expect(slim!.startDate).toBeInstanceOf(Date);
    expect((await stiggClient.getSubscription({ subscriptionId: slim!.id })).billableFeatures).toEqual([{ featureId: 'feature-01-templates', quantity: 2 }]);
  });

  it('getBooleanEntitlement, getNumericEntitlement, getMeteredEntitlement (with requestedUsage) and getEntitlements', async () => {
    const boolean = await stiggClient.getBooleanEntitlement({
      customerId: 'customer-demo-01',
      featureId: 'feature-demo-01',
      resourceId: 'resource-01', // optional, pass it to get entitlement of specific resource
    });
    expect(boolean).toMatchObject({ hasAccess: true, isFallback: false, type: 'BOOLEAN' });
    const numeric = await stiggClient.getNumericEntitlement({ customerId: 'customer-demo-01', featureId: 'feature-demo-02', resourceId: 'resource-01' });
    expect(numeric).toMatchObject({ hasAccess: true, value: 6, isUnlimited: false });
    const metered = await stiggClient.getMeteredEntitlement({ customerId: 'customer-demo-01', featureId: 'feature-demo-03', resourceId: 'resource-01' });
    expect(metered).toMatchObject({ hasAccess: true, usageLimit: 100, currentUsage: 0, resetPeriod: 'MONTH' });
    expect(metered.usagePeriodEnd).toBeInstanceOf(Date);
    const requestedUsage = 10;
    const entitlement = await stiggClient.getMeteredEntitlement({ customerId: 'customer-demo-01', featureId: 'feature-demo-03', options: { requestedUsage }, resourceId: 'resource-01' });
    expect(entitlement).toMatchObject({ hasAccess: true, requestedUsage: 10 });
    expect(await stiggClient.getMeteredEntitlement({ customerId: 'customer-demo-01', featureId: 'feature-demo-03', options: { requestedUsage: 101 }, resourceId: 'resource-01' })).toMatchObject({
      hasAccess: false,
      accessDeniedReason: 'RequestedUsageExceedingLimit',
    });
    const entitlements = await stiggClient.getEntitlements('customer-demo-01', 'resource-01');
    expect(entitlements.map((e) => e.feature?.id).sort()).toEqual(['feature-01-templates', 'feature-demo-01', 'feature-demo-02', 'feature-demo-03', 'feature-logins', 'feature-seats']);
    expect(await stiggClient.getBooleanEntitlement({ customerId: 'customer-demo-01', featureId: 'feature-demo-01', resourceId: 'resource-02' })).toMatchObject({ hasAccess: false, accessDeniedReason: 'CustomerResourceNotFound', isFallback: false });
    expect(await stiggClient.getBooleanEntitlement({ customerId: 'nobody', featureId: 'feature-demo-01' })).toMatchObject({ hasAccess: false, accessDeniedReason: 'CustomerNotFound', isFallback: false });
  });

  it('reportUsage: a DELTA, then UsageUpdateBehavior.Set', async () => {
    // increment usage of a metered feature by 10
    const delta = await stiggClient.reportUsage({ customerId: 'customer-test-id', featureId: 'feature-seats', value: 10, resourceId: 'resource-01' });
    expect(delta).toMatchObject({ customerId: 'customer-test-id', featureId: 'feature-seats', resourceId: 'resource-01', currentUsage: 10 });
    const again = await stiggClient.reportUsage({ customerId: 'customer-test-id', featureId: 'feature-seats', value: 10, resourceId: 'resource-01' });
    expect(again.currentUsage).toBe(20);
    // set usage of a metered feature to 10
    const set = await stiggClient.reportUsage({ customerId: 'customer-test-id', featureId: 'feature-seats', value: 10, updateBehavior: UsageUpdateBehavior.Set, resourceId: 'resource-01' });
    expect(set.currentUsage).toBe(10);
  });

  it('reportEvent: one event, then a batch; a repeated event counts once', async () => {
    const event = {
      customerId: 'customer-test-id',
      resourceId: 'resource-01', // optional, pass it to report event for specific resource
      eventName: 'user_login',
      idempotencyKey: '227c1b73-883a-457b-b715-6ba5a2c69ce4',
      dimensions: { user_id: 'user-01', user_email: 'john@example.com' },
      timestamp: '2022-10-26T15:01:55.768Z', // optional, pass it to report event with specific timestamp
    };
    await stiggClient.reportEvent(event);
    await stiggClient.reportEvent([event, { ...event, idempotencyKey: 'second-login', timestamp: undefined }]);
    const logins = await stiggClient.getMeteredEntitlement({ customerId: 'customer-test-id', featureId: 'feature-logins', resourceId: 'resource-01' });
    expect(logins.currentUsage).toBe(2);
  });

  it('updateSubscription changes it and undoes a scheduled cancellation; scheduled changes come back with Dates', async () => {
    const [live] = await stiggClient.getActiveSubscriptionsList({ customerId: 'customer-demo-01', resourceId: 'resource-01' });
    const updated = await stiggClient.updateSubscription({ subscriptionId: live!.id, metadata: { team: 'ops' } });
    expect(updated.metadata).toEqual({ team: 'ops' });
    const scheduled = await stiggClient.cancelSubscription({ subscriptionId: live!.id, subscriptionCancellationTime: SubscriptionCancellationTime.EndOfBillingPeriod });
    expect(scheduled.status).not.toBe('CANCELED');
    expect(scheduled.scheduledChanges?.[0]?.at ?? null).toEqual(scheduled.cancellationDate);
    expect(scheduled.scheduledChanges?.[0]?.at).toBeInstanceOf(Date);
    const undone = await stiggClient.updateSubscription({ subscriptionId: live!.id, cancellationDate: null });
    expect(undone.scheduledChanges).toEqual([]);
  });

  it('cancelSubscription answers the ended subscription with its dates', async () => {
    const [live] = await stiggClient.getActiveSubscriptionsList({ customerId: 'customer-demo-01', resourceId: 'resource-01' });
    const canceled = await stiggClient.cancelSubscription({ subscriptionId: live!.id });
    expect(canceled.status).toBe('CANCELED');
    expect(canceled.endDate).toBeInstanceOf(Date);
    // The caller's own change is seen by its next check at once.
    expect(await stiggClient.getBooleanEntitlement({ customerId: 'customer-demo-01', featureId: 'feature-demo-01', resourceId: 'resource-01' })).toMatchObject({ hasAccess: false });
  });

  it('service errors come back as TollgateError with the service\'s code and field', async () => {
    const failure = await stiggClient.provisionSubscription({ customerId: 'customer-demo-01', planId: 'plan-nope' }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(TollgateError);
    expect(failure).toMatchObject({ status: 404, field: 'planId' });
  });
});

describe('a reportUsage acknowledgement', () => {
  it('updates the cached usage at once, without the stream', async () => {
    const client = Tollgate.initialize({ apiKey: service.apiKey, baseUri: service.baseUri, realtimeUpdatesEnabled: false });
    await client.waitForInitialization();
    await client.provisionCustomer({ customerId: 'ack-customer', subscriptionParams: { planId: 'plan-basic', billingPeriod: 'MONTHLY', resourceId: 'r', billableFeatures: [{ featureId: 'feature-01-templates', quantity: 1 }] } });
    const check = () => client.getMeteredEntitlement({ customerId: 'ack-customer', featureId: 'feature-demo-03', resourceId: 'r', options: { requestedUsage: 5 } });
    expect(await check()).toMatchObject({ hasAccess: true, currentUsage: 0 });
    const hits = countEvents(client, 'cacheHit');
    await client.reportUsage({ customerId: 'ack-customer', featureId: 'feature-demo-03', value: 96, resourceId: 'r' });
    expect(await check()).toMatchObject({ hasAccess: false, currentUsage: 96, accessDeniedReason: 'RequestedUsageExceedingLimit' });
    expect(hits).toHaveLength(1);
    await client.close();
  });
});

describe('initialization', () => {
  it('rejects, with initializeFailed and apiKeyInvalid, for a key the service refuses', async () => {
    const client = Tollgate.initialize({ apiKey: 'tg_server_not-a-key', baseUri: service.baseUri });
    const [failed, invalid] = [countEvents(client, 'initializeFailed'), countEvents(client, 'apiKeyInvalid')];
    await expect(client.waitForInitialization()).rejects.toMatchObject({ code: 'API_KEY_INVALID' });
    expect([failed.length, invalid.length]).toEqual([1, 1]);
    await client.close();
  });
});

describe('offline mode', () => {
  let counted: Server;
  let requests = 0;
  beforeAll(async () => {
    counted = createServer((_req, res) => {
      requests++;
      res.writeHead(500).end();
    });
    await new Promise<void>((resolve) => counted.listen(0, '127.0.0.1', () => resolve()));
  });
  afterAll(() => new Promise<void>((resolve) => counted.close(() => resolve())));

  it('uses no network, accepts any key, answers fallbacks and ignores usage and events', async () => {
    const client = Tollgate.initialize({
      apiKey: 'any key at all',
      baseUri: `http://127.0.0.1:${(counted.address() as AddressInfo).port}`,
      offline: true,
      entitlementsFallback: { 'feature-demo-01': { hasAccess: true }, 'feature-demo-02': { hasAccess: true, value: 3 } },
    });
    await expect(client.waitForInitialization()).resolves.toBe(client);
    expect(await client.getBooleanEntitlement({ customerId: 'c', featureId: 'feature-demo-01' })).toEqual({ type: 'BOOLEAN', hasAccess: true, isFallback: true });
    expect(await client.getNumericEntitlement({ customerId: 'c', featureId: 'feature-demo-02' })).toMatchObject({ hasAccess: true, value: 3, isFallback: true });
    expect(await client.getBooleanEntitlement({ customerId: 'c', featureId: 'feature-demo-01', options: { fallback: { hasAccess: false } } })).toMatchObject({ hasAccess: false, isFallback: true });
    expect(await client.getMeteredEntitlement({ customerId: 'c', featureId: 'feature-other', options: { requestedUsage: 2 } })).toMatchObject({ hasAccess: false, isFallback: true, requestedUsage: 2 });
    await client.reportUsage({ customerId: 'c', featureId: 'feature-seats', value: 1 });
    await client.reportEvent({ customerId: 'c', eventName: 'user_login', idempotencyKey: 'k' });
    expect(client.bufferedReports).toBe(0);
    await client.close();
    expect(requests).toBe(0);
  });
});
