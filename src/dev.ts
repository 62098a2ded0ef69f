import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { NativeConnection } from '@temporalio/worker';
import { createApp } from './api/createApp';
import { createBillingProvider } from './billing/createBillingProvider';
import { chosenBilling, ConfigError, loadConfig, type BillingConfig } from './config';
import { createDb, databaseOptions } from './db/createDb';
import { codecEndpointOptions, codecEndpointUrl, devServerUiOrigins, reachableHost } from './infra/codecEndpoint';
import { startChangeFeed } from './infra/changeFeed';
import { claimDataDir } from './infra/dataDirLock';
import { startDevSandbox } from './infra/devSandbox';
import { startEmbeddedPostgres } from './infra/embeddedPostgres';
import { closeServer, listen } from './infra/httpServer';
import { startOutboxPruning } from './infra/outboxPruning';
import { restrictPrivateDataFiles } from './infra/ownerOnlyFiles';
import { developmentPayloadKeys, PAYLOAD_KEY_FILE } from './infra/payloadKeys';
import { assertPortFree } from './infra/processes';
import { StartupError } from './infra/startupError';
import { runUntilSignal } from './infra/shutdown';
import { connectTemporalClient } from './infra/temporalClient';
import { startTemporalDevServer } from './infra/temporalDevServer';
import { installTemporalRuntime } from './infra/temporalRuntime';
import { loadOrCreateWebhookSecretFile, WEBHOOK_SECRET_FILE, WEBHOOKS_NOT_CONFIGURED_WARNING } from './infra/webhookSecret';
import { createLogger } from './logger';
import { bootstrapDevelopment } from './services/bootstrap';
import { applyCatalogFileAtStart, describeCatalogFileAtStart } from './services/catalogFileAtStart';
import { createTollgateDataConverter } from './temporal/dataConverter';
import { createEncryptionCodec, payloadKeyId } from './temporal/payloadEncryption';
import { createWorkflowClients } from './temporal/workflowClients';
import { createTollgateWorker } from './worker';

// Zero-setup start: embedded Postgres and Temporal dev server (unless DATABASE_URL / TEMPORAL_ADDRESS point
// elsewhere), migrations, the catalog file (when it changed), then API and worker in this one process.
async function main() {
  const stopSteps: (() => Promise<unknown>)[] = [];
  try {
    await start(stopSteps);
  } catch (error) {
    // A failed start must not leave Postgres or the Temporal server running behind it.
    for (const step of stopSteps) await step().catch(() => undefined);
    throw error;
  }
}

async function start(stopSteps: (() => Promise<unknown>)[]) {
  const config = loadConfig();
  const logger = createLogger(config.logLevel);
  installTemporalRuntime(config.logLevel);
  mkdirSync(config.dataDir, { recursive: true });
  // Released by process exit at the latest; a stale file names a dead pid and is ignored.
  const release = claimDataDir(config.dataDir);
  process.once('exit', release);
  await assertPortFree(config.port, 'PORT');
  restrictPrivateDataFiles(config.dataDir);
  // No Stripe key and no BILLING_PROVIDER: billing runs against the in-process sandbox, offline, charging nothing.
  const billingConfig = chosenBilling(config, 'sandbox');
  const runsSandbox = billingConfig.provider === 'sandbox' && !billingConfig.apiBase;
  // STRIPE_WEBHOOK_SECRET, else (with the in-process sandbox) the secret kept in the data folder, shared with the sandbox.
  const webhookSecret = config.stripeWebhookSecret ?? (runsSandbox ? loadOrCreateWebhookSecretFile(config.dataDir) : undefined);
  const webhookUrl = `http://${reachableHost(config.host)}:${config.port}/webhooks/stripe`;
  const sandbox = runsSandbox ? await startDevSandbox({ port: config.sandboxPort, dataDir: config.dataDir, webhookEndpoint: { url: webhookUrl, secret: webhookSecret! } }) : undefined;
  if (sandbox) stopSteps.push(() => sandbox.close());
  const billingSettings: BillingConfig = sandbox ? { provider: 'sandbox', apiBase: sandbox.url } : billingConfig;
  // TOLLGATE_PAYLOAD_KEY, else the key generated into the data folder at the first start.
  const payloadKeys = developmentPayloadKeys(config);
  const dataConverter = createTollgateDataConverter(payloadKeys);
  const codecEndpoint = codecEndpointOptions(config, createEncryptionCodec(payloadKeys), {
    mode: 'loopback',
    uiOrigins: config.temporal.address ? [] : devServerUiOrigins(config.temporal.devServerUiPort),
  });

  const postgres = config.databaseUrl
    ? undefined
    : await startEmbeddedPostgres({ portVariable: 'TOLLGATE_PG_PORT', dataDir: config.dataDir, port: config.embeddedPostgresPort, database: 'tollgate', onLog: (m) => logger.debug({ postgres: String(m).trim() }) });
  if (postgres) stopSteps.push(() => postgres.stop());
  const temporalServer = config.temporal.address
    ? undefined
    : await startTemporalDevServer({
        portVariables: ['TEMPORAL_PORT', 'TEMPORAL_UI_PORT'],
        dataDir: config.dataDir,
        port: config.temporal.devServerPort,
        uiPort: config.temporal.devServerUiPort,
        namespace: config.temporal.namespace,
        cliPath: config.temporal.cliPath,
        uiCodecEndpoint: codecEndpoint ? codecEndpointUrl(config.host, config.port) : undefined,
        onLog: (line) => logger.debug({ temporal: line.trim() }),
      });
  if (temporalServer) stopSteps.unshift(() => temporalServer.stop());

  // Each resource registers its own close in front of the ones it depends on, so any failure below unwinds cleanly.
  const databaseUrl = config.databaseUrl ?? postgres!.connectionString();
  const db = createDb(databaseUrl, databaseOptions(config, logger));
  stopSteps.unshift(() => db.destroy());
  const { environment, apiKey } = await bootstrapDevelopment(db, { dataDir: config.dataDir, fixedApiKey: config.devApiKey });
  const catalog = await applyCatalogFileAtStart(db, environment.id, config.catalogFile);
  if (catalog.outcome === 'rejected') {
    throw new ConfigError(`catalog file ${catalog.file} is invalid (TOLLGATE_CATALOG_FILE; empty turns it off):\n${catalog.issues.map((i) => `  ${i.path}: ${i.message}`).join('\n')}`);
  }

  const temporalAddress = config.temporal.address ?? temporalServer!.address;
  const temporal = await connectTemporalClient(temporalAddress, config.temporal.namespace, dataConverter);
  stopSteps.unshift(() => temporal.connection.close());
  const workerConnection = await NativeConnection.connect({ address: temporalAddress });
  stopSteps.unshift(() => workerConnection.close());
  const billing = createBillingProvider(billingSettings);
  const worker = await createTollgateWorker({
    connection: workerConnection,
    namespace: config.temporal.namespace,
    taskQueue: config.temporal.taskQueue,
    db,
    billing,
    logger,
    dataConverter,
    checkoutExpiryMinutes: config.checkoutExpiryMinutes,
    paymentGracePeriodDays: config.paymentGracePeriodDays,
  });
  const workerRun = worker.run();
  stopSteps.unshift(async () => {
    if (worker.getState() === 'RUNNING') worker.shutdown();
    await workerRun;
  });

  const workflows = createWorkflowClients(temporal.client, { taskQueue: config.temporal.taskQueue, searchAttributes: temporal.searchAttributes });
  if (billing.name === 'stripe') await workflows.catalog.sync(environment.id);
  if (billing.name === 'stripe' && !webhookSecret) logger.warn(WEBHOOKS_NOT_CONFIGURED_WARNING);
  const changeFeed = startChangeFeed({ connectionString: databaseUrl, logger });
  const pruning = startOutboxPruning(db, logger);
  stopSteps.unshift(() => pruning.stop());
  let stopServing = () => changeFeed.close();
  stopSteps.unshift(() => stopServing());
  const app = createApp({ db, workflows, billingProvider: billing.name, billing, logger, temporalHealthy: temporal.healthy, codecEndpoint, stripeWebhookSecret: webhookSecret, changeFeed, migrationRatePerSecond: config.migrationRatePerSecond });
  const server = await listen(app, config.port, config.host);
  // Closing the feed ends the open event streams, which closing the server would otherwise wait for.
  stopServing = () => Promise.all([closeServer(server), changeFeed.close()]).then(() => undefined);

  // API first (in-flight requests finish), then the worker, connections, Temporal and Postgres. The signal handlers
  // are installed before the banner, so a Ctrl-C (or a script) reacting to it always gets the orderly shutdown.
  const stopped = runUntilSignal(workerRun, stopSteps.splice(0));
  const apiUrl = `http://${config.host}:${config.port}`;
  const uiUrl = temporalServer?.uiUrl ?? '(your Temporal cluster\'s UI)';
  process.stdout.write(
    [
      '',
      'Tollgate is running',
      `  API           ${apiUrl}`,
      `  API docs      ${apiUrl}/docs`,
      `  Temporal UI   ${uiUrl}`,
      `  Payloads      encrypted (key ${payloadKeyId(payloadKeys.current)} from ${config.payloadKeys.current ? 'TOLLGATE_PAYLOAD_KEY' : join(config.dataDir, PAYLOAD_KEY_FILE)})${codecEndpoint ? `; the UI decrypts them through ${codecEndpointUrl(config.host, config.port)}` : ''}`,
      `  API key       ${apiKey}   (environment "${environment.name}")`,
      `  Billing       ${describeBilling(billingSettings, sandbox !== undefined)}`,
      ...(billing.name === 'stripe' ? [`  Webhooks      ${describeWebhooks(webhookUrl, sandbox !== undefined, config.stripeWebhookSecret !== undefined, join(config.dataDir, WEBHOOK_SECRET_FILE))}`] : []),
      `  Catalog       ${describeCatalogFileAtStart(catalog)}`,
      '',
      `  try: curl -H 'X-API-KEY: ${apiKey}' ${apiUrl}/v1/catalog`,
      '',
    ].join('\n') + '\n',
  );

  await stopped;
  logger.info('stopped');
}

function describeWebhooks(url: string, inProcessSandbox: boolean, secretFromEnv: boolean, secretFile: string): string {
  const secret = secretFromEnv ? 'STRIPE_WEBHOOK_SECRET' : inProcessSandbox ? secretFile : undefined;
  if (!secret) return `${url} is off: set STRIPE_WEBHOOK_SECRET (\`stripe listen --forward-to ${url}\` prints one)`;
  return `${url} (signing secret from ${secret}${inProcessSandbox ? '; the sandbox sends its events here' : ''})`;
}

function describeBilling(billing: BillingConfig, inProcess: boolean): string {
  if (billing.provider !== 'sandbox') return billing.provider;
  return `sandbox (${inProcess ? 'local Stripe stand-in' : 'Stripe stand-in'} at ${billing.apiBase}; no real charges)`;
}

main().catch((error) => {
  console.error(error instanceof ConfigError || error instanceof StartupError ? error.message : error);
  process.exitCode = 1;
});
