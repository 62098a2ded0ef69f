import type { BillingProvider } from '../billing/billingProvider';
import type { Db } from '../db/createDb';
import type { Logger } from '../logger';

export type ActivityDependencies = { db: Db; billing: BillingProvider; logger: Logger };
