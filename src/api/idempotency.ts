import { createHash } from 'node:crypto';
import type { RequestHandler } from 'express';
import type { Db } from '../db/createDb';
import { claimIdempotencyKey, recordIdempotentResponse, releaseIdempotencyKey } from '../db/repositories/idempotentRequests.repository';
import { canonicalJson } from '../domain/canonicalJson';
import type { Logger } from '../logger';
import { environmentOf } from './authenticate';
import { HttpError } from './httpError';

const KEY_PATTERN = /^[\x21-\x7e]{1,200}$/;
const STALE_CLAIM_SECONDS = 300;

// Writes sent with an Idempotency-Key: the first successful answer is stored and replayed for every retry
// of the same request; failures are not stored, so a corrected retry can go through.
export function idempotentWrites(db: Db, logger: Logger): RequestHandler {
  return async (req, res, next) => {
    const key = req.header('idempotency-key');
    if (key === undefined || !['POST', 'PUT', 'PATCH'].includes(req.method)) return next();
    if (!KEY_PATTERN.test(key)) throw new HttpError(400, 'INVALID_INPUT', 'Idempotency-Key: must be 1-200 printable ASCII characters without spaces', 'Idempotency-Key');

    const environmentId = environmentOf(res);
    const fingerprint = createHash('sha256').update(`${req.method} ${req.originalUrl}\n${typeof req.body === 'string' ? req.body : canonicalJson(req.body ?? null)}`).digest('hex');
    const claim = await claimIdempotencyKey(db, environmentId, key, fingerprint, STALE_CLAIM_SECONDS);
    if (!claim.claimed) {
      const { existing } = claim;
      if (existing.request_fingerprint !== fingerprint) {
        throw new HttpError(422, 'IDEMPOTENCY_KEY_REUSED', 'this Idempotency-Key was used for a different request', 'Idempotency-Key');
      }
      if (existing.status_code === null) {
        throw new HttpError(409, 'REQUEST_IN_PROGRESS', 'a request with this Idempotency-Key is still being processed; retry shortly', 'Idempotency-Key');
      }
      res.setHeader('Idempotent-Replayed', 'true');
      return void res.status(existing.status_code).json(existing.response_body);
    }

    const send = res.json.bind(res);
    res.json = (body: unknown) => {
      const status = res.statusCode;
      const settle = status < 400 ? recordIdempotentResponse(db, environmentId, key, status, body) : releaseIdempotencyKey(db, environmentId, key);
      void settle
        .catch((error: unknown) => logger.error({ err: error, key }, 'could not settle idempotency key'))
        .finally(() => send(body));
      return res;
    };
    next();
  };
}
