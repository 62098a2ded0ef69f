import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { testPayloadKeys } from './temporal';

const ROOT = resolve(__dirname, '../..');

export type WorkerProcess = { child: ChildProcess; ready: Promise<void>; exited: Promise<number | null>; output: () => string };

// The production worker entry (src/worker.ts) in a process of its own, so a test can kill it outright (SIGKILL)
// while it works: on the test's Temporal server, Postgres and task queue, with the test's payload key.
// `billingApiBase`: bill through the Stripe sandbox listening there (BILLING_PROVIDER=sandbox); without it, none.
export function startWorkerProcess(options: { temporalAddress: string; databaseUrl: string; taskQueue: string; billingApiBase?: string }): WorkerProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/worker.ts'], {
    cwd: ROOT,
    env: {
      ...process.env,
      DATABASE_URL: options.databaseUrl,
      TEMPORAL_ADDRESS: options.temporalAddress,
      TEMPORAL_TASK_QUEUE: options.taskQueue,
      TOLLGATE_PAYLOAD_KEY: testPayloadKeys.current.toString('base64'),
      ...(options.billingApiBase ? { BILLING_PROVIDER: 'sandbox', STRIPE_API_BASE: options.billingApiBase } : { BILLING_PROVIDER: 'none' }),
      LOG_LEVEL: 'info',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  const ready = new Promise<void>((done, fail) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('worker started')) done();
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    void exited.then((code) => fail(new Error(`worker process exited (${code}) before it was ready:\n${output}`)));
  });
  return { child, ready, exited, output: () => output };
}
