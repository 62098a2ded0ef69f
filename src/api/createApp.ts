import express, { type Express } from 'express';
import { pinoHttp } from 'pino-http';
import type { AppDependencies } from './appDependencies';
import { authenticate } from './authenticate';
import { createErrorHandler } from './errorHandler';
import { HttpError } from './httpError';
import { idempotentWrites } from './idempotency';
import { rejectNulCharacters } from './rejectNulCharacters';
import { yamlBody } from './yamlBody';
import { catalogRoutes } from './routes/catalog.routes';
import { customersRoutes } from './routes/customers.routes';
import { docsRoutes } from './routes/docs.routes';
import { healthRoutes } from './routes/health.routes';

// Builds the HTTP app; it never listens by itself (server.ts and dev.ts do, tests use supertest).
export function createApp(deps: AppDependencies): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
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
          url: req.url,
          userAgent: req.headers['user-agent'],
          apiKey: req.headers['x-api-key'] === undefined ? undefined : '[redacted]',
        }),
        res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
      },
    }),
  );
  app.use(healthRoutes(deps));
  app.use(docsRoutes());
  // Authenticate before reading bodies: an anonymous caller learns nothing, not even that its JSON is malformed.
  app.use('/v1', authenticate(deps.db));
  app.use(express.json({ limit: '2mb' }));
  app.use(yamlBody);
  app.use(rejectNulCharacters);
  app.use('/v1', idempotentWrites(deps.db, deps.logger, deps.workflows.startWindowMs));
  app.use(catalogRoutes(deps));
  app.use(customersRoutes(deps));

  app.use((req) => {
    throw new HttpError(404, 'ROUTE_NOT_FOUND', `no route ${req.method} ${req.path}`);
  });
  app.use(createErrorHandler(deps.logger));
  return app;
}
