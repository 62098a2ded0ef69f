import { commitChange } from '../db/commitChange';
import type { Db } from '../db/createDb';
import { findEnvironmentByName, insertEnvironment, insertEnvironmentIfAbsent } from '../db/repositories/environments.repository';
import { findApiKeyByHash, findApiKeyEnvironment, insertApiKey, revokeApiKey as markApiKeyRevoked } from '../db/repositories/apiKeys.repository';
import { generateApiKey, generateEnvironmentId, hashApiKey } from './apiKeyMaterial';

export async function ensureEnvironment(db: Db, name: string) {
  return (await findEnvironmentByName(db, name)) ?? insertEnvironmentIfAbsent(db, { id: generateEnvironmentId(), name });
}

export async function createEnvironment(db: Db, name: string) {
  return insertEnvironment(db, { id: generateEnvironmentId(), name });
}

// Creates a server key; the plaintext is returned once and only its hash is kept.
export async function createApiKey(db: Db, environmentId: string, name: string, plaintext?: string) {
  const generated = generateApiKey();
  const key = plaintext ? { ...generated, plaintext, hash: hashApiKey(plaintext), prefix: plaintext.slice(0, 8) } : generated;
  await insertApiKey(db, { id: key.id, environmentId, name, keyHash: key.hash, keyPrefix: key.prefix });
  return { id: key.id, plaintext: key.plaintext };
}

// A fixed key (TOLLGATE_API_KEY) for scripts: registered once, reused on every start.
export async function ensureApiKey(db: Db, environmentId: string, plaintext: string, name: string) {
  const existing = await findApiKeyByHash(db, hashApiKey(plaintext));
  if (existing?.environment_id === environmentId && !existing.revoked_at) return existing.id;
  if (existing) throw new Error('TOLLGATE_API_KEY is revoked or belongs to another environment; choose another key');
  return (await createApiKey(db, environmentId, name, plaintext)).id;
}

// Revokes a key and, in the same transaction, tells every API process to forget it (apiKey.revoked). False when
// no active key has this id.
export async function revokeApiKey(db: Db, apiKeyId: string): Promise<boolean> {
  const environmentId = await findApiKeyEnvironment(db, apiKeyId);
  if (!environmentId) return false;
  return commitChange(db, {
    environmentId,
    write: (trx) => markApiKeyRevoked(trx, apiKeyId),
    recompute: () => [],
    events: (revoked) => (revoked ? [{ type: 'apiKey.revoked', customerId: null, resourceId: null, payload: { apiKeyId } }] : []),
  });
}
