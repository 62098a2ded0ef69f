import { Router } from 'express';
import { DOCS_PAGE } from '../docsPage';
import { buildOpenApiDocument } from '../openapi';
import type { Operation } from '../routeRegistry';

// Serves the document of the routes registered so far: mount it after every route is registered.
export function docsRoutes(operations: readonly Operation[]): Router {
  const router = Router();
  const document = buildOpenApiDocument(operations);
  router.get('/openapi.json', (_req, res) => void res.json(document));
  router.get('/docs', (_req, res) => void res.type('html').send(DOCS_PAGE));
  return router;
}
