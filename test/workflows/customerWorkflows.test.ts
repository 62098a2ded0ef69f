import { Client } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createNoneBillingProvider } from '../../src/billing/noneBillingProvider';
import { createStripeBillingProvider } from '../../src/billing/stripeBillingProvider';
import { ensureSearchAttributes } from '../../src/temporal/ensureSearchAttributes';
import { statusQuery } from '../../src/workflows/definitions';
import { workflowIds } from '../../src/workflows/workflowIds';
import { findCustomer } from '../../src/db/repositories/customers.repository';
import { findBusinessFailure } from '../../src/temporal/businessFailure';
import { createCustomersClient, type CustomersClient } from '../../src/temporal/customers.client';
import { createWorkflowStarter } from '../../src/temporal/workflowStarter';
import type { ProvisionCustomerWorkflowInput } from '../../src/workflows/provisionCustomer.workflow';
import { startStripeSandbox, type StripeSandbox } from '../../src/sandbox/server';
import { createTimeSkippingEnvironment, testDataConverter } from '../support/temporal';
import { createTestDatabase, type TestDatabase } from '../support/testDatabase';
import { createTestEnvironment } from '../support/testEnvironment';
import { startTestWorker, type RunningTestWorker } from '../support/testWorker';

let env: TestWorkflowEnvironment;
let database: TestDatabase;
let stripe: StripeSandbox;
let stripeWorker: RunningTestWorker;
let noneWorker: RunningTestWorker;
let withStripe: CustomersClient;
let withStripeSkippingTime: CustomersClient;
let withoutBilling: CustomersClient;
let environmentId: string;

beforeAll(async () => {
  [env, database, stripe] = await Promise.all([createTimeSkippingEnvironment(), createTestDatabase(), startStripeSandbox()]);
  environmentId = (await createTestEnvironment(database.db)).environmentId;
  stripeWorker = await startTestWorker(env, database.db, createStripeBillingProvider(stripe.client()));
  noneWorker = await startTestWorker(env, database.db, createNoneBillingProvider());
  const searchAttributes = await ensureSearchAttributes(env.connection, env.namespace ?? 'default');
  // A plain client keeps real time, so activities are never timed out by skipped time; the time-skipping
  // client is used where retry backoff should pass at once.
  const realTimeClient = new Client({ connection: env.connection, namespace: env.namespace, dataConverter: testDataConverter });
  withStripe = createCustomersClient(createWorkflowStarter(realTimeClient, { taskQueue: stripeWorker.taskQueue, searchAttributes }));
  withStripeSkippingTime = createCustomersClient(createWorkflowStarter(env.client, { taskQueue: stripeWorker.taskQueue, searchAttributes }));
  withoutBilling = createCustomersClient(createWorkflowStarter(realTimeClient, { taskQueue: noneWorker.taskQueue, searchAttributes }));
});
afterAll(async () => {
  await Promise.all([stripeWorker?.stop(), noneWorker?.stop()]);
  await Promise.all([env?.teardown(), database?.drop(), stripe?.close()]);
});
beforeEach(() => stripe.reset());

let counter = 0;
function provisionInput(overrides: Partial<ProvisionCustomerWorkflowInput> = {}): ProvisionCustomerWorkflowInput {
  return { environmentId, customerId: `customer-${++counter}`, name: 'Ada Lovelace', email: 'ada@example.com', couponId: null, metadata: { plan: 'trial' }, ...overrides };
}

const billingInfo = {
  customerName: 'Analytical Engines Ltd',
  language: 'en',
  timezone: 'Europe/London',
  billingAddress: { country: 'GB', city: 'London', addressLine1: '12 St James Sq', postalCode: 'SW1Y 4LB', phoneNumber: '+44 20 7946 0000' },
  taxIds: [{ type: 'gb_vat', value: 'GB123456789' }],
  invoiceCustomFields: { 'PO number': 'PO-7' },
  currency: 'gbp',
  metadata: { crm: 'hubspot-17' },
};

describe('provisioning a customer', () => {
  it('creates the Stripe customer with the billing info, then the Tollgate customer carrying its id', async () => {
    const input = provisionInput({ billingInfo });
    const result = await withStripe.provision(input);

    expect(result).toMatchObject({ created: true, customer: { customerId: input.customerId, name: 'Ada Lovelace', metadata: { plan: 'trial' } } });
    expect(result.customer.billingId).toMatch(/^cus_/);
    const stripeCustomer = stripe.state.customers.get(result.customer.billingId!)!;
    expect(stripeCustomer).toMatchObject({
      name: 'Analytical Engines Ltd',
      email: 'ada@example.com',
      phone: '+44 20 7946 0000',
      address: { country: 'GB', city: 'London', line1: '12 St James Sq', postal_code: 'SW1Y 4LB' },
      preferred_locales: ['en'],
      invoice_settings: { custom_fields: [{ name: 'PO number', value: 'PO-7' }] },
      metadata: { crm: 'hubspot-17', timezone: 'Europe/London', currency: 'gbp', tollgate_customer_id: input.customerId, tollgate_environment: environmentId },
    });
    expect([...stripe.state.taxIds.values()].filter((t) => t.customer === stripeCustomer.id).map((t) => t.value)).toEqual(['GB123456789']);
    const status = await env.client.workflow.getHandle(workflowIds.provisionCustomer(environmentId, input.customerId)).query(statusQuery);
    expect(status).toEqual({ step: 'done' });
    // billingInfo itself is never stored by Tollgate
    const row = await findCustomer(database.db, environmentId, input.customerId);
    expect(JSON.stringify(row)).not.toContain('St James');
  });

  it('returns the existing customer when the id is provisioned again, creating nothing more', async () => {
    const input = provisionInput({ billingInfo });
    const first = await withStripe.provision(input);
    const second = await withStripe.provision({ ...input, name: 'Someone else' });
    expect(second).toEqual({ customer: first.customer, created: false, archived: false });
    expect(stripe.state.customers.size).toBe(1);
  });

  it('rides out a Stripe outage: retried by Temporal, the Stripe customer exists exactly once', async () => {
    stripe.failNext(3, 503);
    const result = await withStripeSkippingTime.provision(provisionInput({ billingInfo }));
    expect(result.created).toBe(true);
    expect(stripe.state.customers.size).toBe(1);
    const creates = stripe.requests.filter((r) => r.method === 'POST' && r.path === '/v1/customers');
    expect(creates.length).toBe(4);
    expect(new Set(creates.map((r) => r.idempotencyKey)).size).toBe(1);
  });

  it('writes nothing when Stripe refuses the billing info', async () => {
    const input = provisionInput({ billingInfo: { ...billingInfo, paymentMethodId: 'pm_card_chargeDeclined' } });
    const failure = await withStripe.provision(input).catch((error: unknown) => error);
    expect(findBusinessFailure(failure)).toMatchObject({ type: 'BillingRejected' });
    expect(await findCustomer(database.db, environmentId, input.customerId)).toBeUndefined();
    expect(stripe.state.customers.size).toBe(0);
  });

  it('joins concurrent provisions of one id into one workflow: one customer, one Stripe customer, created for one caller', async () => {
    const input = provisionInput({ billingInfo });
    const results = await Promise.all([1, 2, 3, 4].map(() => withStripe.provision(input)));
    expect(new Set(results.map((r) => r.customer.billingId)).size).toBe(1);
    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect(stripe.state.customers.size).toBe(1);
    const rows = await database.db.selectFrom('customers').select('id').where('id', '=', input.customerId).execute();
    expect(rows).toHaveLength(1);
  });

  it('creates customers in Postgres only when no billing provider is configured', async () => {
    const result = await withoutBilling.provision(provisionInput({ billingInfo }));
    expect(result).toMatchObject({ created: true, customer: { billingId: null } });
    expect(stripe.requests).toHaveLength(0);
  });
});

describe('updating a customer', () => {
  it('changes only the given fields and sends the whole billing info to Stripe', async () => {
    const { customer } = await withStripe.provision(provisionInput({ billingInfo }));
    const updated = await withStripe.update({
      environmentId,
      customerId: customer.customerId,
      changes: { email: 'countess@example.com' },
      billingInfo: { ...billingInfo, taxIds: [{ type: 'eu_vat', value: 'DE123456789' }], billingAddress: { country: 'DE', city: 'Berlin' } },
    });
    expect(updated.customer).toMatchObject({ name: 'Ada Lovelace', email: 'countess@example.com', metadata: { plan: 'trial' }, billingId: customer.billingId });
    const stripeCustomer = stripe.state.customers.get(customer.billingId!)!;
    expect(stripeCustomer).toMatchObject({ email: 'countess@example.com', address: { country: 'DE', city: 'Berlin' } });
    expect([...stripe.state.taxIds.values()].filter((t) => t.customer === customer.billingId).map((t) => t.value)).toEqual(['DE123456789']);
  });

  it('creates the Stripe customer on the first update that brings billing info', async () => {
    const { customer } = await withStripe.provision(provisionInput());
    expect(customer.billingId).toBeNull();
    const updated = await withStripe.update({ environmentId, customerId: customer.customerId, changes: {}, billingInfo });
    expect(updated.customer.billingId).toMatch(/^cus_/);
  });

  it('fails with CustomerNotFound for an unknown customer', async () => {
    const failure = await withStripe.update({ environmentId, customerId: 'nobody', changes: { name: 'x' } }).catch((e: unknown) => e);
    expect(findBusinessFailure(failure)).toMatchObject({ type: 'CustomerNotFound' });
  });

  it('runs concurrent updates of one customer one after the other, so Stripe and Postgres agree', async () => {
    const { customer } = await withStripe.provision(provisionInput({ billingInfo }));
    const customerPath = `/v1/customers/${customer.billingId}`;
    // Stripe takes the first update at once but answers it late, the moment a race would strike.
    stripe.delayNext(1_500);
    const first = withStripe.update({ environmentId, customerId: customer.customerId, changes: { name: 'First' } });
    while (!stripe.requests.some((r) => r.method === 'POST' && r.path === customerPath)) await new Promise((resolve) => setTimeout(resolve, 20));
    const second = withStripe.update({ environmentId, customerId: customer.customerId, changes: { name: 'Second' } });
    const [a, b] = await Promise.all([first, second]);

    expect(a.customer.name).toBe('First');
    expect(b.customer.name).toBe('Second');
    expect(stripe.state.customers.get(customer.billingId!)?.name).toBe('Second');
    expect((await findCustomer(database.db, environmentId, customer.customerId))?.name).toBe('Second');
    const keys = stripe.requests.filter((r) => r.method === 'POST' && r.path === customerPath).map((r) => r.idempotencyKey);
    expect(new Set(keys).size).toBe(2);
  });
});

