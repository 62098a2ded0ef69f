// The customer as the API and SDK return it.
export type Customer = {
  id: string;
  customerId: string;
  name: string | null;
  email: string | null;
  couponId: string | null;
  billingId: string | null;
  metadata: Record<string, string>;
  createdAt: string;
  updatedAt: string;
};
