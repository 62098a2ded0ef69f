import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureOwnerOnlyFile, OWNER_ONLY } from './ownerOnlyFiles';
import { StartupError } from './startupError';

export const WEBHOOK_SECRET_FILE = 'stripe-webhook-secret';

// npm start's sandbox and its API share this signing secret, made at the first start and kept in the data folder.
export function loadOrCreateWebhookSecretFile(dataDir: string): string {
  const file = join(dataDir, WEBHOOK_SECRET_FILE);
  if (existsSync(file)) {
    ensureOwnerOnlyFile(file);
    const secret = readFileSync(file, 'utf8').trim();
    if (!/^whsec_\S{16,}$/.test(secret)) throw new StartupError(`${file} does not hold a webhook signing secret (whsec_…); delete it and a new one is made at the next start`);
    return secret;
  }
  const secret = `whsec_${randomBytes(32).toString('base64url')}`;
  try {
    // 'wx': never overwrite a secret another start wrote in the meantime.
    writeFileSync(file, `${secret}\n`, { mode: OWNER_ONLY, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return loadOrCreateWebhookSecretFile(dataDir);
    throw error;
  }
  ensureOwnerOnlyFile(file);
  return secret;
}

// Logged at start when billing runs through Stripe (or a sandbox elsewhere) and no secret is set.
export const WEBHOOKS_NOT_CONFIGURED_WARNING =
  "STRIPE_WEBHOOK_SECRET is not set: POST /webhooks/stripe answers 503 (WEBHOOKS_NOT_CONFIGURED), so a paid checkout is only noticed when the subscription's workflow next asks Stripe (up to 15 minutes later) and other Stripe events are lost; set it to the endpoint's signing secret (whsec_…)";
