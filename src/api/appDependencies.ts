import type { Db } from '../db/createDb';
import type { Logger } from '../logger';
import type { EntitlementReads } from '../services/entitlementReads';
import type { WorkflowClients } from '../temporal/workflowClients';
import type { CodecEndpointOptions } from './routes/codec.routes';

export type AppDependencies = {
  db: Db;
  workflows: WorkflowClients;
  billingProvider: 'none' | 'stripe';
  // The signing secret of Stripe's webhooks (STRIPE_WEBHOOK_SECRET); without it POST /webhooks/stripe answers 503.
  stripeWebhookSecret?: string;
  logger: Logger;
  // Where entitlement checks read scopes and features; default: straight from Postgres.
  entitlementReads?: EntitlementReads;
  // Reachability of the workflow engine, for /health.
  temporalHealthy: () => Promise<boolean>;
  // Mounted only when given: decrypts payloads for the Temporal Web UI (/codec/decode, /codec/encode).
  codecEndpoint?: CodecEndpointOptions;
};
