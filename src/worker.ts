import type { DataConverter } from '@temporalio/common';
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { createActivities } from './activities/createActivities';
import { createBillingProvider } from './billing/createBillingProvider';
import type { BillingProvider } from './billing/billingProvider';
import { loadConfig, productionBilling } from './config';
import { createDb, databaseOptions, type Db } from './db/createDb';
import { createLogger, type Logger } from './logger';
import { runUntilSignal } from './infra/shutdown';
import { requirePayloadKeys } from './infra/payloadKeys';
import { installTemporalRuntime } from './infra/temporalRuntime';
import { createTollgateDataConverter } from './temporal/dataConverter';
import { payloadKeyId } from './temporal/payloadEncryption';

export type TollgateWorkerOptions = {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  db: Db;
  billing: BillingProvider;
  logger: Logger;
  // Encrypts what the worker sends to Temporal (results, activity inputs) and decrypts what it reads.
  dataConverter: DataConverter;
  // Tests bundle the workflows once and share the bundle between workers.
  workflowBundle?: WorkerOptions['workflowBundle'];
  // How long a hosted checkout stays open (TOLLGATE_CHECKOUT_EXPIRY_MINUTES; default 24 hours).
  checkoutExpiryMinutes?: number;
  paymentGracePeriodDays?: number;
};

// The worker: workflows from ./workflows, activities from createActivities, one task queue.
export function createTollgateWorker(options: TollgateWorkerOptions): Promise<Worker> {
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    dataConverter: options.dataConverter,
    ...(options.workflowBundle ? { workflowBundle: options.workflowBundle } : { workflowsPath: require.resolve('./workflows') }),
    activities: createActivities({ db: options.db, billing: options.billing, logger: options.logger, checkoutExpiryMinutes: options.checkoutExpiryMinutes, paymentGracePeriodDays: options.paymentGracePeriodDays }),
  });
}

async function main() {
  const config = loadConfig();
  const logger = createLogger(config.logLevel);
  installTemporalRuntime(config.logLevel);
  if (!config.databaseUrl || !config.temporal.address) throw new Error('the worker alone needs DATABASE_URL and TEMPORAL_ADDRESS (use `npm start` for the all-in-one dev setup)');
  const billing = createBillingProvider(productionBilling(config, 'the worker'));
  const payloadKeys = requirePayloadKeys(config, 'the worker');
  const dataConverter = createTollgateDataConverter(payloadKeys);
  const db = createDb(config.databaseUrl, databaseOptions(config, logger));
  const connection = await NativeConnection.connect({ address: config.temporal.address });
  const worker = await createTollgateWorker({ connection, namespace: config.temporal.namespace, taskQueue: config.temporal.taskQueue, db, billing, logger, dataConverter, checkoutExpiryMinutes: config.checkoutExpiryMinutes, paymentGracePeriodDays: config.paymentGracePeriodDays });
  // The key id lets an operator check that every process shares one key (a mismatch names the ids it saw).
  logger.info({ taskQueue: config.temporal.taskQueue, payloadKeyId: payloadKeyId(payloadKeys.current) }, 'worker started');
  const running = worker.run();
  await runUntilSignal(running, [
    async () => {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running;
    },
    async () => connection.close(),
    async () => db.destroy(),
  ]);
}

if (require.main === module) {
  main().catch((error) => {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  });
}
