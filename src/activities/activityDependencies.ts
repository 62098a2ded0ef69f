import type { BillingProvider } from '../billing/billingProvider';
import type { Db } from '../db/createDb';
import type { Logger } from '../logger';

export type ActivityDependencies = {
  db: Db;
  billing: BillingProvider;
  logger: Logger;
  // How long a hosted checkout stays open (Stripe allows 30 minutes to 24 hours; default 24 hours).
  checkoutExpiryMinutes?: number;
  // How long a subscription whose payment failed keeps its entitlements before it ends (default 7 days).
  paymentGracePeriodDays?: number;
};
