import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createConnection } from 'node:net';
import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from './freePort';

export const STRIPE_MOCK_PATH = process.env.STRIPE_MOCK_PATH ?? resolve(__dirname, '../../.tools/bin/stripe-mock');
export const stripeMockAvailable = existsSync(STRIPE_MOCK_PATH);

// Official stripe-mock (built by scripts/setup.mjs from the Go module proxy): validates request shapes against Stripe's OpenAPI spec.
export async function startStripeMock(): Promise<{ url: string; stop: () => Promise<void> }> {
  const port = await freePort();
  const child: ChildProcess = spawn(STRIPE_MOCK_PATH, ['-http-addr', `127.0.0.1:${port}`], { stdio: 'ignore' });
  const deadline = Date.now() + 15_000;
  for (;;) {
    const open = await new Promise<boolean>((done) => {
      const socket = createConnection({ host: '127.0.0.1', port }, () => (socket.end(), done(true)));
      socket.on('error', () => done(false));
    });
    if (open) break;
    if (Date.now() > deadline || child.exitCode !== null) throw new Error('stripe-mock did not start');
    await sleep(100);
  }
  return {
    url: `http://127.0.0.1:${port}`,
    stop: async () => {
      const exited = new Promise((done) => child.once('exit', done));
      child.kill('SIGTERM');
      await exited;
    },
  };
}
