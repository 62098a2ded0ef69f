import type { RequestHandler } from 'express';
import type { Db } from '../db/createDb';
import { findActiveApiKeyByHash } from '../db/repositories/apiKeys.repository';
import { hashApiKey } from '../services/apiKeyMaterial';
import { HttpError } from './httpError';

export type AuthenticatedLocals = { environmentId: string; apiKeyId: string };

// Resolves X-API-KEY to its environment; every route below works inside that environment only.
export function authenticate(db: Db): RequestHandler {
  return async (req, res, next) => {
    const key = req.header('x-api-key');
    if (!key) throw new HttpError(401, 'UNAUTHENTICATED', 'missing X-API-KEY header', 'X-API-KEY');
    const found = key.length <= 200 ? await findActiveApiKeyByHash(db, hashApiKey(key)) : undefined;
    if (!found) throw new HttpError(401, 'UNAUTHENTICATED', 'unknown or revoked API key', 'X-API-KEY');
    res.locals.environmentId = found.environment_id;
    res.locals.apiKeyId = found.id;
    next();
  };
}

export function environmentOf(res: { locals: Record<string, unknown> }): string {
  return res.locals.environmentId as string;
}
