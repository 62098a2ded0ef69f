import { randomUUID } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import pino from 'pino';
import type { BillingProvider } from '../../src/billing/billingProvider';
import type { Db } from '../../src/db/createDb';
import { createTollgateWorker } from '../../src/worker';
import { testDataConverter, workflowBundle } from './temporal';

export type RunningTestWorker = { worker: Worker; taskQueue: string; stop: () => Promise<void> };

// Starts the real worker (real activities, real Postgres) on a task queue of its own.
export async function startTestWorker(env: TestWorkflowEnvironment, db: Db, billing: BillingProvider, taskQueue = `test-${randomUUID()}`): Promise<RunningTestWorker> {
  const worker = await createTollgateWorker({
    connection: env.nativeConnection,
    namespace: env.namespace ?? 'default',
    taskQueue,
    db,
    billing,
    logger: pino({ level: 'silent' }),
    dataConverter: testDataConverter,
    workflowBundle: await workflowBundle(),
  });
  const running = worker.run();
  return {
    worker,
    taskQueue,
    stop: async () => {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running;
    },
  };
}
