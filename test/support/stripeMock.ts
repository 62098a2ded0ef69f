import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { waitForPort } from '../../src/infra/processes';
import { freePort } from './freePort';

export const STRIPE_MOCK_PATH = process.env.STRIPE_MOCK_PATH ?? resolve(__dirname, '../../.tools/bin/stripe-mock');
export const stripeMockAvailable = existsSync(STRIPE_MOCK_PATH);

// Official stripe-mock (built by scripts/setup.mjs from the Go module proxy): validates request shapes against Stripe's OpenAPI spec.
export async function startStripeMock(): Promise<{ url: string; stop: () => Promise<void> }> {
  const port = await freePort();
  const child: ChildProcess = spawn(STRIPE_MOCK_PATH, ['-http-addr', `127.0.0.1:${port}`, '-https-addr', '127.0.0.1:0'], { stdio: 'ignore' });
  await waitForPort(port, 15_000, () => (child.exitCode !== null ? `stripe-mock exited with code ${child.exitCode}` : undefined));
  return {
    url: `http://127.0.0.1:${port}`,
    stop: async () => {
      const exited = new Promise((done) => child.once('exit', done));
      child.kill('SIGTERM');
      await exited;
    },
  };
}
