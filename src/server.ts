import { createApp } from './api/createApp';
import { createBillingProvider } from './billing/createBillingProvider';
import { loadConfig, productionBilling } from './config';
import { createDb, databaseOptions } from './db/createDb';
import { startChangeFeed } from './infra/changeFeed';
import { codecEndpointOptions } from './infra/codecEndpoint';
import { requirePayloadKeys } from './infra/payloadKeys';
import { closeServer, listen } from './infra/httpServer';
import { startOutboxPruning } from './infra/outboxPruning';
import { runUntilSignal } from './infra/shutdown';
import { WEBHOOKS_NOT_CONFIGURED_WARNING } from './infra/webhookSecret';
import { connectTemporalClient } from './infra/temporalClient';
import { createLogger } from './logger';
import { createTollgateDataConverter } from './temporal/dataConverter';
import { createEncryptionCodec, payloadKeyId } from './temporal/payloadEncryption';
import { createWorkflowClients } from './temporal/workflowClients';

// The API alone, for production: stateless, so run as many as needed behind a load balancer.
async function main() {
  const config = loadConfig();
  const logger = createLogger(config.logLevel);
  if (!config.databaseUrl || !config.temporal.address) throw new Error('the API alone needs DATABASE_URL and TEMPORAL_ADDRESS (use `npm start` for the all-in-one dev setup)');
  const billing = productionBilling(config, 'the API');
  const payloadKeys = requirePayloadKeys(config, 'the API');
  // Off unless asked for: the endpoint decrypts for whoever reaches it, so production opts in (see README).
  const codecEndpoint = codecEndpointOptions(config, createEncryptionCodec(payloadKeys), { mode: 'off', uiOrigins: [] });
  const db = createDb(config.databaseUrl, databaseOptions(config, logger));
  if (billing.provider !== 'none' && !config.stripeWebhookSecret) logger.warn(WEBHOOKS_NOT_CONFIGURED_WARNING);
  const temporal = await connectTemporalClient(config.temporal.address, config.temporal.namespace, createTollgateDataConverter(payloadKeys));
  // Its own connection: it reconnects by itself, and until it is current keys are read from the database.
  const changeFeed = startChangeFeed({ connectionString: config.databaseUrl, logger });
  const pruning = startOutboxPruning(db, logger);
  const app = createApp({
    db,
    workflows: createWorkflowClients(temporal.client, { taskQueue: config.temporal.taskQueue, searchAttributes: temporal.searchAttributes }),
    // The sandbox is reached through the Stripe adapter: to the routes it is Stripe.
    billingProvider: billing.provider === 'none' ? 'none' : 'stripe',
    // Estimates read the provider's invoice previews.
    billing: createBillingProvider(billing),
    logger,
    temporalHealthy: temporal.healthy,
    codecEndpoint,
    stripeWebhookSecret: config.stripeWebhookSecret,
    changeFeed,
    migrationRatePerSecond: config.migrationRatePerSecond,
  });
  const server = await listen(app, config.port, config.host);
  logger.info({ url: `http://${config.host}:${config.port}`, payloadKeyId: payloadKeyId(payloadKeys.current), codecEndpoint: codecEndpoint !== undefined }, 'API listening');
  await runUntilSignal(new Promise(() => undefined), [
    // Closing the feed ends the open event streams, which the server would otherwise wait for.
    () => Promise.all([closeServer(server), changeFeed.close()]),
    () => pruning.stop(),
    () => temporal.connection.close(),
    () => db.destroy(),
  ]);
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
