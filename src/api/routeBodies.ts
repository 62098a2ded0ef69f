import type { RequestHandler } from 'express';

// The middleware a write route mounts in front of its handler: body parsing and checks, then the Idempotency-Key claim.
export type RouteBodies = { json: RequestHandler[]; jsonOrYaml: RequestHandler[] };
