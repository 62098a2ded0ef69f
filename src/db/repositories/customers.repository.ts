import { sql } from 'kysely';
import type { DbOrTransaction } from '../createDb';
import type { CustomerRow } from '../database';

export async function findCustomer(db: DbOrTransaction, environmentId: string, customerId: string): Promise<CustomerRow | undefined> {
  return db.selectFrom('customers').selectAll().where('environment_id', '=', environmentId).where('id', '=', customerId).executeTakeFirst();
}

// Inserts unless the id exists (archived ids included: they can never be reused); returns the stored row either way.
export async function insertCustomerIfAbsent(
  db: DbOrTransaction,
  customer: { environmentId: string; id: string; name: string | null; email: string | null; couponId: string | null; metadata: Record<string, string>; billingId: string | null },
): Promise<{ row: CustomerRow; created: boolean }> {
  const inserted = await db
    .insertInto('customers')
    .values({
      environment_id: customer.environmentId,
      id: customer.id,
      name: customer.name,
      email: customer.email,
      coupon_id: customer.couponId,
      metadata: JSON.stringify(customer.metadata),
      billing_id: customer.billingId,
    })
    .onConflict((oc) => oc.columns(['environment_id', 'id']).doNothing())
    .returningAll()
    .executeTakeFirst();
  if (inserted) return { row: inserted, created: true };
  const existing = await findCustomer(db, customer.environmentId, customer.id);
  if (!existing) throw new Error(`customer ${customer.id} vanished during insert`);
  return { row: existing, created: false };
}

export type CustomerChanges = {
  name?: string | null;
  email?: string | null;
  couponId?: string | null;
  metadata?: Record<string, string>;
  billingId?: string;
};

export async function updateCustomerRow(db: DbOrTransaction, environmentId: string, customerId: string, changes: CustomerChanges): Promise<CustomerRow | undefined> {
  return db
    .updateTable('customers')
    .set({
      ...(changes.name !== undefined && { name: changes.name }),
      ...(changes.email !== undefined && { email: changes.email }),
      ...(changes.couponId !== undefined && { coupon_id: changes.couponId }),
      ...(changes.metadata !== undefined && { metadata: JSON.stringify(changes.metadata) }),
      ...(changes.billingId !== undefined && { billing_id: changes.billingId }),
      updated_at: sql`now()`,
    })
    .where('environment_id', '=', environmentId)
    .where('id', '=', customerId)
    .where('archived_at', 'is', null)
    .returningAll()
    .executeTakeFirst();
}
