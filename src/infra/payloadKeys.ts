import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, type Config } from '../config';
import { PAYLOAD_KEY_BYTES, type PayloadKeys } from '../temporal/payloadEncryption';
import { ensureOwnerOnlyFile, OWNER_ONLY } from './ownerOnlyFiles';
import { StartupError } from './startupError';

export const PAYLOAD_KEY_FILE = 'payload-key';

// Production: every API and worker process must be given the same key; nothing is generated behind the operator's back.
export function requirePayloadKeys(config: Config, entry: string): PayloadKeys {
  if (!config.payloadKeys.current) {
    throw new ConfigError(
      `Invalid configuration:\n  TOLLGATE_PAYLOAD_KEY: required by ${entry} (it encrypts Temporal payloads); ` +
        'make one with `openssl rand -base64 32` and give the same value to every API and worker process',
    );
  }
  return { current: config.payloadKeys.current, previous: config.payloadKeys.previous };
}

// Development: TOLLGATE_PAYLOAD_KEY if set, else the key kept in the data folder (made on first start).
export function developmentPayloadKeys(config: Config): PayloadKeys {
  return { current: config.payloadKeys.current ?? loadOrCreatePayloadKeyFile(config.dataDir), previous: config.payloadKeys.previous };
}

export function loadOrCreatePayloadKeyFile(dataDir: string): Buffer {
  const file = join(dataDir, PAYLOAD_KEY_FILE);
  if (existsSync(file)) {
    ensureOwnerOnlyFile(file);
    const key = Buffer.from(readFileSync(file, 'utf8').trim(), 'base64');
    if (key.length !== PAYLOAD_KEY_BYTES) throw new StartupError(`${file} does not hold a ${PAYLOAD_KEY_BYTES}-byte base64 key; restore it (histories encrypted with it cannot be read without it)`);
    return key;
  }
  const key = randomBytes(PAYLOAD_KEY_BYTES);
  try {
    // 'wx': never overwrite a key another process (the CLI, a second start) wrote in the meantime.
    writeFileSync(file, `${key.toString('base64')}\n`, { mode: OWNER_ONLY, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return loadOrCreatePayloadKeyFile(dataDir);
    throw error;
  }
  ensureOwnerOnlyFile(file);
  return key;
}
