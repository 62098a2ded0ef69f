import type { Customer } from './customer';

type CustomerRecord = {
  id: string;
  name: string | null;
  email: string | null;
  coupon_id: string | null;
  billing_id: string | null;
  metadata: Record<string, string>;
  created_at: Date;
  updated_at: Date;
};

export function toCustomerView(row: CustomerRecord): Customer {
  return {
    id: row.id,
    customerId: row.id,
    name: row.name,
    email: row.email,
    couponId: row.coupon_id,
    billingId: row.billing_id,
    metadata: row.metadata,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}
