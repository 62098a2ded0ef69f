import { createHash } from 'node:crypto';
import type { RequestHandler, Response } from 'express';
import type { Db } from '../db/createDb';
import {
  claimIdempotencyKey,
  recordIdempotentRequestRun,
  recordIdempotentResponse,
  releaseIdempotencyKey,
} from '../db/repositories/idempotentRequests.repository';
import { canonicalJson } from '../domain/canonicalJson';
import type { Logger } from '../logger';
import type { RequestRun, WorkflowRun } from '../temporal/requestRun';
import { environmentOf } from './authenticate';
import { HttpError } from './httpError';

const KEY_PATTERN = /^[\x21-\x7e]{1,200}$/;

// Writes sent with an Idempotency-Key: the first successful answer is stored and replayed for every retry of the
// same request. The key is tied to the workflow run the request starts, so a retry after a crash awaits that run
// and answers its outcome instead of applying the change again. Refusals (4xx) release the key, so a corrected
// retry can go through. `startWindowMs`: after that long, a claim that recorded no run was left by a dead process.
export function idempotentWrites(db: Db, logger: Logger, startWindowMs: number): RequestHandler {
  return async (req, res, next) => {
    const key = req.header('idempotency-key');
    if (key === undefined || !['POST', 'PUT', 'PATCH'].includes(req.method)) return next();
    if (!KEY_PATTERN.test(key)) throw new HttpError(400, 'INVALID_INPUT', 'Idempotency-Key: must be 1-200 printable ASCII characters without spaces', 'Idempotency-Key');

    const environmentId = environmentOf(res);
    const fingerprint = createHash('sha256').update(`${req.method} ${req.originalUrl}\n${typeof req.body === 'string' ? req.body : canonicalJson(req.body ?? null)}`).digest('hex');
    const claim = await claimIdempotencyKey(db, environmentId, key, fingerprint, startWindowMs);
    let startedRun: WorkflowRun | undefined;
    if (!claim.claimed) {
      const { existing } = claim;
      if (existing.request_fingerprint !== fingerprint) {
        throw new HttpError(422, 'IDEMPOTENCY_KEY_REUSED', 'this Idempotency-Key was used for a different request', 'Idempotency-Key');
      }
      if (existing.status_code !== null) {
        res.setHeader('Idempotent-Replayed', 'true');
        return void res.status(existing.status_code).json(existing.response_body);
      }
      if (!existing.startedRun) {
        throw new HttpError(409, 'REQUEST_IN_PROGRESS', 'a request with this Idempotency-Key is still being processed; retry shortly', 'Idempotency-Key');
      }
      // An earlier attempt started a workflow and got no answer out (it crashed, or is still waiting): await that run.
      startedRun = existing.startedRun;
    }

    const requestRun: RequestRun = {
      // The same request under the same key: a key reused for another request (after a refusal) is another request.
      requestKey: `${key}:${fingerprint.slice(0, 32)}`,
      startedRun,
      recordStartedRun: async (run) => {
        await recordIdempotentRequestRun(db, environmentId, key, run);
        startedRun = run;
      },
    };
    res.locals.requestRun = requestRun;

    const send = res.json.bind(res);
    res.json = (body: unknown) => {
      const status = res.statusCode;
      // A 5xx of a request tied to a run (still running, engine unreachable) says nothing of the outcome: keep the tie.
      const keepTie = status >= 500 && startedRun !== undefined;
      const settle = status < 400 ? recordIdempotentResponse(db, environmentId, key, status, body) : keepTie ? Promise.resolve() : releaseIdempotencyKey(db, environmentId, key);
      void settle
        .catch((error: unknown) => logger.error({ err: error, key }, 'could not settle idempotency key'))
        .finally(() => send(body));
      return res;
    };
    next();
  };
}

// The request's tie to the workflow run it starts (undefined without an Idempotency-Key), for the workflow gateway.
export function requestRunOf(res: Response): RequestRun | undefined {
  return res.locals.requestRun as RequestRun | undefined;
}
