import { sql } from 'kysely';
import type { DbOrTransaction } from '../createDb';

export async function insertApiKey(
  db: DbOrTransaction,
  key: { id: string; environmentId: string; name: string; keyHash: string; keyPrefix: string },
) {
  await db
    .insertInto('api_keys')
    .values({ id: key.id, environment_id: key.environmentId, name: key.name, key_hash: key.keyHash, key_prefix: key.keyPrefix })
    .execute();
}

export async function findActiveApiKeyByHash(db: DbOrTransaction, keyHash: string) {
  return db
    .selectFrom('api_keys')
    .select(['id', 'environment_id'])
    .where('key_hash', '=', keyHash)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
}

export async function findApiKeyByHash(db: DbOrTransaction, keyHash: string) {
  return db.selectFrom('api_keys').select(['id', 'environment_id', 'revoked_at']).where('key_hash', '=', keyHash).executeTakeFirst();
}

export async function revokeApiKey(db: DbOrTransaction, id: string): Promise<boolean> {
  const result = await db.updateTable('api_keys').set({ revoked_at: sql`now()` }).where('id', '=', id).where('revoked_at', 'is', null).executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

export async function findApiKeyEnvironment(db: DbOrTransaction, id: string): Promise<string | undefined> {
  return (await db.selectFrom('api_keys').select('environment_id').where('id', '=', id).executeTakeFirst())?.environment_id;
}

export async function listApiKeys(db: DbOrTransaction, environmentId: string) {
  return db
    .selectFrom('api_keys')
    .select(['id', 'name', 'key_prefix', 'created_at', 'revoked_at'])
    .where('environment_id', '=', environmentId)
    .orderBy('created_at')
    .execute();
}
