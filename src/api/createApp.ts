import express, { type Express } from 'express';
import { pinoHttp } from 'pino-http';
import { createApiKeyCache } from './apiKeyCache';
import type { AppDependencies } from './appDependencies';
import { authenticate } from './authenticate';
import { entitlementCheckFastLane } from './entitlementCheckFastLane';
import { createErrorHandler } from './errorHandler';
import { HttpError } from './httpError';
import { idempotentWrites } from './idempotency';
import { redactQueryValues } from './redactUrl';
import { jsonBody, jsonOrYamlBody, signedRawBody } from './requestBody';
import { createRouteRegistry } from './routeRegistry';
import { cachedEntitlementReads } from '../services/entitlementCache';
import { databaseEntitlementReads } from '../services/entitlementReads';
import { bulkMigrationRoutes } from './routes/bulkMigration.routes';
import { catalogRoutes } from './routes/catalog.routes';
import { codecRoutes } from './routes/codec.routes';
import { customersRoutes } from './routes/customers.routes';
import { docsRoutes } from './routes/docs.routes';
import { entitlementCheckAnswer, entitlementsRoutes } from './routes/entitlements.routes';
import { eventsRoutes } from './routes/events.routes';
import { healthRoutes } from './routes/health.routes';
import { paywallRoutes } from './routes/paywall.routes';
import { streamRoutes } from './routes/stream.routes';
import { subscriptionHistoryRoutes } from './routes/subscriptionHistory.routes';
import { estimatesRoutes } from './routes/estimates.routes';
import { subscriptionMigrationRoutes } from './routes/subscriptionMigration.routes';
import { subscriptionsRoutes } from './routes/subscriptions.routes';
import { usageRoutes } from './routes/usage.routes';
import { webhooksRoutes } from './routes/webhooks.routes';

// Builds the HTTP app; it never listens by itself (server.ts and dev.ts do, tests use supertest).
export function createApp(given: AppDependencies): Express {
  // Checks read through an in-process cache when a change feed keeps it fresh; one cache for every route.
  const databaseReads = databaseEntitlementReads(given.db);
  const deps = { ...given, entitlementReads: given.entitlementReads ?? (given.changeFeed ? cachedEntitlementReads(databaseReads, given.changeFeed) : databaseReads) };
  const app = express();
  app.disable('x-powered-by');
  // Answers are computed per request (usage moves between two identical GETs): no ETag hash over every body.
  app.set('etag', false);
  app.set('query parser', 'simple');
  // Request lines are info: below that level the per-request child logger is skipped (it cost ~15% of a cached
  // check); failures are still logged by the error handler.
  if (deps.logger.isLevelEnabled('info')) {
    app.use(
      pinoHttp({
        logger: deps.logger,
        customLogLevel: (_req, res, error) => (error || res.statusCode >= 500 ? 'error' : 'info'),
        // Who called (the key's id, never the key) and where, without every header of every request.
        customProps: (_req, res) => ({ environmentId: res.locals?.environmentId, apiKeyId: res.locals?.apiKeyId }),
        serializers: {
          req: (req: { id: unknown; method: string; url: string; headers: Record<string, unknown> }) => ({
            id: req.id,
            method: req.method,
            url: redactQueryValues(req.url),
            userAgent: req.headers['user-agent'],
            ...(req.headers['x-api-key'] !== undefined && { apiKey: '[redacted]' }),
          }),
          res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
        },
      }),
    );
  }

  const apiKeys = deps.changeFeed && createApiKeyCache(deps.changeFeed);
  // Before the router: a check with a cached key skips the walk past every other route (the hot path's largest cost).
  if (apiKeys) app.use(entitlementCheckFastLane(apiKeys, entitlementCheckAnswer(deps.db, deps.entitlementReads)));

  // Each write route parses its own body (routes that take none never read one), then claims its Idempotency-Key.
  const idempotency = idempotentWrites(deps.db, deps.logger, deps.workflows.startWindowMs);
  const routes = createRouteRegistry({ json: [...jsonBody, idempotency], jsonOrYaml: [...jsonOrYamlBody, idempotency], signedRaw: signedRawBody });
  healthRoutes(deps, routes);
  catalogRoutes(deps, routes);
  paywallRoutes(deps, routes);
  customersRoutes(deps, routes);
  subscriptionsRoutes(deps, routes);
  estimatesRoutes(deps, routes);
  subscriptionHistoryRoutes(deps, routes);
  subscriptionMigrationRoutes(deps, routes);
  bulkMigrationRoutes(deps, routes);
  entitlementsRoutes(deps, routes);
  usageRoutes(deps, routes);
  eventsRoutes(deps, routes);
  webhooksRoutes(deps, routes);
  streamRoutes(deps, routes);

  app.use(docsRoutes(routes.operations));
  // Before the API's body parsing and keys: the Temporal UI calls it with its own headers and body shape.
  if (deps.codecEndpoint) app.use(codecRoutes(deps.codecEndpoint));
  // Authenticate before reading bodies: an anonymous caller learns nothing, not even that its JSON is malformed.
  app.use('/v1', authenticate(deps.db, apiKeys));
  app.use(routes.router);

  app.use((req) => {
    throw new HttpError(404, 'ROUTE_NOT_FOUND', `no route ${req.method} ${req.path}`, 'path');
  });
  app.use(createErrorHandler(deps.logger));
  return app;
}
