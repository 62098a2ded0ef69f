import type { BillingProvider } from '../billing/billingProvider';
import type { Db } from '../db/createDb';
import type { ChangeFeed } from '../infra/changeFeed';
import type { Logger } from '../logger';
import type { EntitlementReads } from '../services/entitlementReads';
import type { WorkflowClients } from '../temporal/workflowClients';
import type { EventStreamSettings } from './eventStream';
import type { CodecEndpointOptions } from './routes/codec.routes';

export type AppDependencies = {
  db: Db;
  workflows: WorkflowClients;
  billingProvider: 'none' | 'stripe';
  // The provider itself, for reads the routes make there (estimates preview its invoices); without it estimates use the engine.
  billing?: BillingProvider;
  // The signing secret of Stripe's webhooks (STRIPE_WEBHOOK_SECRET); without it POST /webhooks/stripe answers 503.
  stripeWebhookSecret?: string;
  logger: Logger;
  // Where entitlement checks read scopes and features; default: straight from Postgres.
  entitlementReads?: EntitlementReads;
  // Reachability of the workflow engine, for /health.
  temporalHealthy: () => Promise<boolean>;
  // Mounted only when given: decrypts payloads for the Temporal Web UI (/codec/decode, /codec/encode).
  codecEndpoint?: CodecEndpointOptions;
  // The process's change feed (src/infra/changeFeed.ts): caches API keys and serves GET /v1/stream. Without it
  // (an app built by hand in a test) every request reads its key and the stream answers 503.
  changeFeed?: ChangeFeed;
  // A bulk migration's pace unless its request gives one (TOLLGATE_MIGRATION_RATE_PER_SECOND; default 10 a second).
  migrationRatePerSecond?: number;
  // Overrides of the stream's heartbeat and replay bound (tests).
  eventStream?: Partial<EventStreamSettings>;
};
