import type { RequestHandler } from 'express';

// The middleware a write route mounts in front of its handler: body parsing and checks, then the Idempotency-Key claim.
// `signedRaw`: the exact bytes, for a body whose signature covers them (Stripe's webhooks); no Idempotency-Key.
export type RouteBodies = { json: RequestHandler[]; jsonOrYaml: RequestHandler[]; signedRaw: RequestHandler[] };
