import type { Db } from '../db/createDb';
import type { Logger } from '../logger';
import type { WorkflowGateway } from '../temporal/workflowGateway';

export type AppDependencies = {
  db: Db;
  workflows: WorkflowGateway;
  billingProvider: 'none' | 'stripe';
  logger: Logger;
  // Reachability of the workflow engine, for /health.
  temporalHealthy: () => Promise<boolean>;
};
