import type { RequestHandler } from 'express';
import type { Db } from '../db/createDb';
import { findActiveApiKeyByHash } from '../db/repositories/apiKeys.repository';
import { hashApiKey } from '../services/apiKeyMaterial';
import type { ApiKeyCache, AuthenticatedKey } from './apiKeyCache';
import { HttpError } from './httpError';

export type AuthenticatedLocals = { environmentId: string; apiKeyId: string };

// Resolves X-API-KEY to its environment; every route below works inside that environment only. With a cache, a
// known key costs no query while the change feed is current; without one (or while it is not), each request reads it.
export function authenticate(db: Db, cache?: ApiKeyCache): RequestHandler {
  const load = async (keyHash: string): Promise<AuthenticatedKey | undefined> => {
    const found = await findActiveApiKeyByHash(db, keyHash);
    return found && { apiKeyId: found.id, environmentId: found.environment_id };
  };
  return async (req, res, next) => {
    const key = req.header('x-api-key');
    if (!key) throw new HttpError(401, 'UNAUTHENTICATED', 'missing X-API-KEY header', 'X-API-KEY');
    const keyHash = key.length <= 200 ? hashApiKey(key) : undefined;
    const found = keyHash === undefined ? undefined : cache ? await cache.find(keyHash, load) : await load(keyHash);
    if (!found) throw new HttpError(401, 'UNAUTHENTICATED', 'unknown or revoked API key', 'X-API-KEY');
    res.locals.environmentId = found.environmentId;
    res.locals.apiKeyId = found.apiKeyId;
    next();
  };
}

export function environmentOf(res: { locals: Record<string, unknown> }): string {
  return res.locals.environmentId as string;
}
