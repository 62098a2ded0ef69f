import type { Db } from '../../src/db/createDb';
import { createApiKey, createEnvironment } from '../../src/services/environments';

// An environment with a fresh server key, as the CLI would create it.
export async function createTestEnvironment(db: Db, name = `env-${Math.random().toString(36).slice(2, 8)}`) {
  const environment = await createEnvironment(db, name);
  const key = await createApiKey(db, environment.id, 'test key');
  return { environmentId: environment.id, apiKey: key.plaintext, apiKeyId: key.id };
}
