import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Db } from '../db/createDb';
import { migrateToLatest } from '../db/migrate';
import { parseCatalogText, type ParsedCatalog } from '../domain/catalog/parseCatalogDocument';
import { applyCatalog, type ApplyCatalogResult } from './applyCatalog';
import { createApiKey, ensureApiKey, ensureEnvironment } from './environments';

export const DEV_ENVIRONMENT = 'development';

// Migrations, the development environment and its key: what the zero-setup start needs before serving.
export async function bootstrapDevelopment(db: Db, options: { dataDir: string; fixedApiKey?: string }) {
  const migrations = await migrateToLatest(db);
  const environment = await ensureEnvironment(db, DEV_ENVIRONMENT);
  let apiKey: string;
  if (options.fixedApiKey) {
    await ensureApiKey(db, environment.id, options.fixedApiKey, 'TOLLGATE_API_KEY');
    apiKey = options.fixedApiKey;
  } else {
    // Only the hash is in Postgres; the dev key's plaintext is kept beside the dev data so every start can print it.
    const keyFile = join(options.dataDir, 'dev-api-key');
    const saved = existsSync(keyFile) ? readFileSync(keyFile, 'utf8').trim() : undefined;
    if (saved) await ensureApiKey(db, environment.id, saved, 'development key');
    apiKey = saved ?? (await createApiKey(db, environment.id, 'development key')).plaintext;
    if (!saved) writeFileSync(keyFile, `${apiKey}\n`, { mode: 0o600 });
  }
  return { environment, apiKey, migrations };
}

export function readCatalogFile(file: string): ParsedCatalog {
  if (!existsSync(file)) return { ok: false, issues: [{ path: '(file)', message: `${file} does not exist` }] };
  return parseCatalogText(readFileSync(file, 'utf8'));
}

export async function applyCatalogFile(db: Db, environmentId: string, file: string): Promise<ApplyCatalogResult> {
  const parsed = readCatalogFile(file);
  if (!parsed.ok) return parsed;
  return applyCatalog(db, environmentId, parsed.catalog);
}
