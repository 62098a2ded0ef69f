import { Router } from 'express';
import { DOCS_PAGE } from '../docsPage';
import { buildOpenApiDocument } from '../openapi';

export function docsRoutes(): Router {
  const router = Router();
  const document = buildOpenApiDocument();
  router.get('/openapi.json', (_req, res) => void res.json(document));
  router.get('/docs', (_req, res) => void res.type('html').send(DOCS_PAGE));
  return router;
}
