import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listChangeEventsAfter } from '../../src/db/repositories/changeOutbox.repository';
import { OUTBOX_START } from '../../src/domain/outboxPosition';
import { startApiHarness, type ApiHarness } from '../support/apiHarness';
import { waitForOutboxHorizon } from '../support/outboxHorizon';
import { createTestEnvironment } from '../support/testEnvironment';

let harness: ApiHarness;
let apiKey: string;
let environmentId: string;

beforeAll(async () => {
  harness = await startApiHarness({ billing: 'stripe' });
  ({ apiKey, environmentId } = await createTestEnvironment(harness.database.db));
});
afterAll(async () => harness?.stop());

// Every value distinctive, so finding any of them in the outbox is unambiguous.
const billingInfo = {
  customerName: 'Outbox Probe Holdings',
  language: 'en',
  timezone: 'Europe/Copenhagen',
  billingAddress: { country: 'DK', city: 'Aarhusprobe', addressLine1: 'Probegade 11', postalCode: 'DK-8000P', phoneNumber: '+45 8888 1111' },
  shippingAddress: { country: 'DK', city: 'Odenseprobe', addressLine1: 'Shipvej 3' },
  taxIds: [{ type: 'eu_vat', value: 'DK99887766' }],
  invoiceCustomFields: { 'PO probe': 'PO-991' },
  paymentMethodId: 'pm_card_visa',
  currency: 'dkk',
  metadata: { crmProbe: 'crm-value-42' },
};
const billingValues = ['Outbox Probe Holdings', 'Europe/Copenhagen', 'Aarhusprobe', 'Probegade 11', 'DK-8000P', '+45 8888 1111', 'Odenseprobe', 'Shipvej 3', 'DK99887766', 'PO-991', 'pm_card_visa', 'crmProbe', 'crm-value-42'];

describe('the change outbox over HTTP', () => {
  it('records a customer provisioned and updated with billing info, and never the billing info itself', async () => {
    const created = await request(harness.app)
      .post('/v1/customers')
      .set('X-API-KEY', apiKey)
      .send({ customerId: 'outbox-probe', name: 'Probe', email: 'probe@example.com', billingInfo })
      .expect(201);
    expect(created.body.customer.billingId).toMatch(/^cus_/);
    await request(harness.app).patch('/v1/customers/outbox-probe').set('X-API-KEY', apiKey).send({ billingInfo: { ...billingInfo, currency: 'eur' } }).expect(200);
    await request(harness.app).patch('/v1/customers/outbox-probe').set('X-API-KEY', apiKey).send({ name: 'Probe 2', billingInfo }).expect(200);

    await waitForOutboxHorizon(harness.database.db);
    const events = await listChangeEventsAfter(harness.database.db, environmentId, OUTBOX_START, 100);
    expect(events.map((event) => [event.type, event.customerId])).toEqual([
      ['customer.created', 'outbox-probe'],
      ['customer.updated', 'outbox-probe'],
      ['customer.updated', 'outbox-probe'],
    ]);
    // The whole stored rows, as text: no column of the outbox carries any of it.
    const stored = JSON.stringify(await harness.database.db.selectFrom('change_outbox').selectAll().where('environment_id', '=', environmentId).execute());
    expect(stored).toContain('probe@example.com');
    expect(billingValues.filter((value) => stored.includes(value))).toEqual([]);
  });
});
