import { Router } from 'express';
import { checkCatalogDocument, parseCatalogText } from '../../domain/catalog/parseCatalogDocument';
import { applyCatalog } from '../../services/applyCatalog';
import { readCatalog } from '../../services/readCatalog';
import type { AppDependencies } from '../appDependencies';
import { environmentOf } from '../authenticate';
import type { RouteBodies } from '../routeBodies';
import { badRequest, invalidInput } from '../httpError';

export function catalogRoutes({ db, workflows, billingProvider }: AppDependencies, bodies: RouteBodies): Router {
  const router = Router();

  router.get('/v1/catalog', async (_req, res) => {
    res.json(await readCatalog(db, environmentOf(res)));
  });

  // Accepts the document as JSON or YAML; invalid documents are rejected whole, naming the first bad path.
  router.put('/v1/catalog', ...bodies.jsonOrYaml, async (req, res) => {
    if (req.body === undefined) throw badRequest('send the catalog as JSON or YAML', 'body');
    const parsed = typeof req.body === 'string' ? parseCatalogText(req.body) : checkCatalogDocument(req.body);
    if (!parsed.ok) {
      throw invalidInput(parsed.issues.map((issue) => ({ field: issue.path, message: issue.message })));
    }
    const environmentId = environmentOf(res);
    const result = await applyCatalog(db, environmentId, parsed.catalog);
    if (!result.ok) {
      throw invalidInput(result.issues.map((issue) => ({ field: issue.path, message: issue.message })), 422, 'CATALOG_CHANGE_REFUSED');
    }
    const billingSync = result.changed && billingProvider === 'stripe' ? await workflows.syncCatalog(environmentId) : undefined;
    res.json({ changed: result.changed, changes: result.changes, ...(billingSync && { billingSync }) });
  });

  return router;
}
