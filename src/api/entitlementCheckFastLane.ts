import { parse as parseQueryString } from 'node:querystring';
import type { RequestHandler } from 'express';
import type { z } from 'zod';
import type { EntitlementResult } from '../domain/entitlements/entitlementCheck';
import { hashApiKey } from '../services/apiKeyMaterial';
import type { ApiKeyCache } from './apiKeyCache';
import { entitlementPathSchema, entitlementQuerySchema } from './schemas/entitlements.schemas';

export type EntitlementCheckAnswer = (environmentId: string, params: z.output<typeof entitlementPathSchema>, query: z.output<typeof entitlementQuerySchema>) => Promise<EntitlementResult>;

// Unreserved characters only: a path with a percent-escape, a trailing slash or other casing goes to the router,
// which decodes and matches it as always.
const CHECK_PATH = /^\/v1\/customers\/([\w.~-]+)\/entitlements\/([\w.~-]+)$/;
const JSON_TYPE = 'application/json; charset=utf-8';

// How many checks the lane answered (app.locals), so tests and operators can see it is taken.
export const FAST_LANE_COUNTER = 'entitlementChecksAnsweredFast';

// GET /v1/customers/:customerId/entitlements/:featureId sits on every request of our users' products: a check with a
// cached key and valid input is answered here, before the router walks every route, with the route's own schemas and
// check. Anything else (no key or an uncached one, input the schemas refuse, a conditional request) goes on to the
// route unchanged; a failure of the check goes to the error handler, as the route's would.
export function entitlementCheckFastLane(keys: ApiKeyCache, answer: EntitlementCheckAnswer): RequestHandler {
  return (req, res, next) => {
    if (req.method !== 'GET' || req.headers['if-none-match'] !== undefined) return next();
    const url = req.url;
    const queryStart = url.indexOf('?');
    const match = CHECK_PATH.exec(queryStart === -1 ? url : url.slice(0, queryStart));
    if (!match) return next();
    const key = req.headers['x-api-key'];
    const found = typeof key === 'string' && key.length <= 200 ? keys.peek(hashApiKey(key)) : undefined;
    if (!found) return next();
    const params = entitlementPathSchema.safeParse({ customerId: match[1], featureId: match[2] });
    const query = entitlementQuerySchema.safeParse(queryStart === -1 ? {} : parseQueryString(url.slice(queryStart + 1)));
    if (!params.success || !query.success) return next();
    res.locals.environmentId = found.environmentId;
    res.locals.apiKeyId = found.apiKeyId;
    answer(found.environmentId, params.data, query.data).then((result) => {
      const body = JSON.stringify(result);
      res.statusCode = 200;
      res.setHeader('Content-Type', JSON_TYPE);
      res.setHeader('Content-Length', Buffer.byteLength(body));
      res.end(body);
      req.app.locals[FAST_LANE_COUNTER] = ((req.app.locals[FAST_LANE_COUNTER] as number | undefined) ?? 0) + 1;
    }, next);
  };
}
