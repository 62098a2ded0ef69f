import { chmodSync, closeSync, existsSync, openSync, statSync } from 'node:fs';
import { join } from 'node:path';

export const OWNER_ONLY = 0o600;

// Files of the data folder that hold secrets or customer data (the Temporal history with its SQLite side files, the Stripe sandbox's customers).
// The folder itself stays traversable: as root, the embedded Postgres runs as "postgres" and must reach .data/postgres.
export const PRIVATE_DATA_FILES = ['temporal.db', 'temporal.db-wal', 'temporal.db-shm', 'temporal.db-journal', 'payload-key', 'dev-api-key', 'stripe-sandbox.json', 'stripe-webhook-secret'];

// Narrows files left readable by earlier versions (temporal.db was 0644); returns the ones it changed.
export function restrictPrivateDataFiles(dataDir: string): string[] {
  const changed: string[] = [];
  for (const name of PRIVATE_DATA_FILES) {
    const path = join(dataDir, name);
    if (existsSync(path) && (statSync(path).mode & 0o777) !== OWNER_ONLY) {
      chmodSync(path, OWNER_ONLY);
      changed.push(name);
    }
  }
  return changed;
}

// Creates the file empty if missing (another program fills it in) and makes it owner-only either way.
export function ensureOwnerOnlyFile(path: string): void {
  closeSync(openSync(path, 'a', OWNER_ONLY));
  chmodSync(path, OWNER_ONLY);
}

// Runs a synchronous step (a spawn) with umask 077, so whatever the child creates is owner-only too.
export function withOwnerOnlyUmask<T>(step: () => T): T {
  const previous = process.umask(0o077);
  try {
    return step();
  } finally {
    process.umask(previous);
  }
}
