import { join } from 'node:path';
import { startStripeSandbox, type StripeSandbox } from '../sandbox/server';
import { SandboxStateFileError } from '../sandbox/stateFile';
import { assertPortFree } from './processes';
import { StartupError } from './startupError';

export const SANDBOX_STATE_FILE = 'stripe-sandbox.json';

// `npm start`'s Stripe sandbox: on its own loopback port, its state kept beside Postgres in the data folder, so a
// restart still knows the Stripe customers, products and prices that Postgres points at.
export async function startDevSandbox(options: { port: number; dataDir: string }): Promise<StripeSandbox> {
  await assertPortFree(options.port, 'TOLLGATE_SANDBOX_PORT');
  try {
    return await startStripeSandbox({ port: options.port, stateFile: join(options.dataDir, SANDBOX_STATE_FILE), recordRequests: false });
  } catch (error) {
    if (error instanceof SandboxStateFileError) throw new StartupError(error.message);
    // Taken between the check and the listen (another start racing this one).
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') await assertPortFree(options.port, 'TOLLGATE_SANDBOX_PORT');
    throw error;
  }
}
