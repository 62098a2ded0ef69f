import { join } from 'node:path';
import { startStripeSandbox, type StripeSandbox, type WebhookEndpoint } from '../sandbox/server';
import { SandboxStateFileError } from '../sandbox/stateFile';
import { assertPortFree } from './processes';
import { StartupError } from './startupError';

export const SANDBOX_STATE_FILE = 'stripe-sandbox.json';

// `npm start`'s Stripe sandbox: on its own loopback port, its state kept beside Postgres in the data folder, so a
// restart still knows the Stripe customers, products and prices that Postgres points at. Its events go, signed, to
// `webhookEndpoint` (this Tollgate's own /webhooks/stripe), as Stripe's would.
export async function startDevSandbox(options: { port: number; dataDir: string; webhookEndpoint: WebhookEndpoint }): Promise<StripeSandbox> {
  await assertPortFree(options.port, 'TOLLGATE_SANDBOX_PORT');
  try {
    return await startStripeSandbox({
      port: options.port,
      stateFile: join(options.dataDir, SANDBOX_STATE_FILE),
      recordRequests: false,
      webhookEndpoints: [options.webhookEndpoint],
    });
  } catch (error) {
    if (error instanceof SandboxStateFileError) throw new StartupError(error.message);
    // Taken between the check and the listen (another start racing this one).
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') await assertPortFree(options.port, 'TOLLGATE_SANDBOX_PORT');
    throw error;
  }
}
