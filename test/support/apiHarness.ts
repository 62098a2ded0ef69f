import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import { Client } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import pino from 'pino';
import { createApp } from '../../src/api/createApp';
import type { EventStreamSettings } from '../../src/api/eventStream';
import { createNoneBillingProvider } from '../../src/billing/noneBillingProvider';
import { createStripeBillingProvider } from '../../src/billing/stripeBillingProvider';
import { startChangeFeed, type ChangeFeed } from '../../src/infra/changeFeed';
import { closeServer, listen } from '../../src/infra/httpServer';
import { ensureSearchAttributes } from '../../src/temporal/ensureSearchAttributes';
import { createWorkflowClients } from '../../src/temporal/workflowClients';
import { startStripeSandbox, type StripeSandbox } from '../../src/sandbox/server';
import { createEncryptionCodec } from '../../src/temporal/payloadEncryption';
import { createLocalEnvironment, testDataConverter, testPayloadKeys } from './temporal';
import { createTestDatabase, type TestDatabase } from './testDatabase';
import { startTestWorker, type RunningTestWorker } from './testWorker';

export type ApiHarness = {
  app: ReturnType<typeof createApp>;
  database: TestDatabase;
  temporal: TestWorkflowEnvironment;
  client: Client;
  // The app's change feed (current once the harness is returned).
  changeFeed: ChangeFeed;
  // The worker's task queue, for a second app (another API process) on the same worker.
  taskQueue: string;
  stripe?: StripeSandbox;
  // With `webhooks`: the secret POST /webhooks/stripe verifies, and the app listening where the sandbox sends its events.
  webhookSecret?: string;
  url?: string;
  stop: () => Promise<void>;
};

// The origin the harness's codec endpoint answers browsers from, as the dev server's UI would call it.
export const TEMPORAL_UI_ORIGIN = 'http://127.0.0.1:8233';

// The real app, a real worker, Postgres and the Temporal dev server; Stripe is the Stripe sandbox (src/sandbox) when asked for.
// `webhooks`: POST /webhooks/stripe verifies a generated secret; with the sandbox, the app also listens on a loopback
// port and the sandbox POSTs its signed events there. `stripeNow`: the sandbox's clock (ms), for tests that move it on.
export async function startApiHarness(options: {
  billing: 'none' | 'stripe';
  webhooks?: boolean;
  eventStream?: Partial<EventStreamSettings>;
  stripeNow?: () => number;
}): Promise<ApiHarness> {
  const [temporal, database, stripe] = await Promise.all([
    createLocalEnvironment(),
    createTestDatabase(),
    options.billing === 'stripe' ? startStripeSandbox({ webhookRetry: { retryDelaysMs: [100, 300] }, ...(options.stripeNow && { now: options.stripeNow }) }) : Promise.resolve(undefined),
  ]);
  const webhookSecret = options.webhooks ? `whsec_${randomBytes(24).toString('base64url')}` : undefined;
  const billing = stripe ? createStripeBillingProvider(stripe.client()) : createNoneBillingProvider();
  const worker: RunningTestWorker = await startTestWorker(temporal, database.db, billing);
  const client = new Client({ connection: temporal.connection, namespace: temporal.namespace, dataConverter: testDataConverter });
  const searchAttributes = await ensureSearchAttributes(temporal.connection, temporal.namespace ?? 'default');
  const changeFeed = startChangeFeed({ connectionString: database.url, logger: pino({ level: 'silent' }) });
  await changeFeed.ready;
  const app = createApp({
    db: database.db,
    workflows: createWorkflowClients(client, { taskQueue: worker.taskQueue, searchAttributes }),
    billingProvider: billing.name,
    billing,
    logger: pino({ level: 'silent' }),
    temporalHealthy: async () => (await temporal.connection.workflowService.getSystemInfo({}), true),
    codecEndpoint: { codec: createEncryptionCodec(testPayloadKeys), uiOrigins: [TEMPORAL_UI_ORIGIN], loopbackOnly: true },
    stripeWebhookSecret: webhookSecret,
    changeFeed,
    eventStream: options.eventStream,
  });
  let server: Server | undefined;
  if (options.webhooks && stripe) {
    server = await listen(app, 0, '127.0.0.1');
    const { port } = server.address() as { port: number };
    stripe.addWebhookEndpoint(`http://127.0.0.1:${port}/webhooks/stripe`, webhookSecret!);
  }
  return {
    app,
    database,
    temporal,
    client,
    changeFeed,
    taskQueue: worker.taskQueue,
    stripe,
    webhookSecret,
    url: server && `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    stop: async () => {
      // The sandbox first: no webhook may arrive once the app and its database are going.
      await stripe?.close();
      await changeFeed.close();
      if (server) await closeServer(server);
      await worker.stop();
      await Promise.all([temporal.teardown(), database.drop()]);
    },
  };
}
