import { Router } from 'express';
import { z } from 'zod';
import { checkCatalogDocument, checkParsedCatalogText } from '../../domain/catalog/parseCatalogDocument';
import { MAX_INPUT_DEPTH } from '../../domain/input/storableText';
import { parseYamlOffThread } from '../../infra/yamlParserThread';
import { applyCatalog } from '../../services/applyCatalog';
import { readCatalog, readCatalogDocument } from '../../services/readCatalog';
import type { AppDependencies } from '../appDependencies';
import { environmentOf } from '../authenticate';
import type { RouteBodies } from '../routeBodies';
import { badRequest, invalidInput } from '../httpError';
import { parseInput } from '../validate';

// Without `format`: the live catalog (versions on sale). `document`: what PUT takes, drafts included.
export const catalogQuerySchema = z.strictObject({ format: z.enum(['document']).optional() });

export function catalogRoutes({ db, workflows, billingProvider }: AppDependencies, bodies: RouteBodies): Router {
  const router = Router();

  router.get('/v1/catalog', async (req, res) => {
    const { format } = parseInput(catalogQuerySchema, req.query, 'query');
    const environmentId = environmentOf(res);
    res.json(format === 'document' ? await readCatalogDocument(db, environmentId) : await readCatalog(db, environmentId));
  });

  // Accepts the document as JSON or YAML; invalid documents are rejected whole, naming the first bad path.
  router.put('/v1/catalog', ...bodies.jsonOrYaml, async (req, res) => {
    if (req.body === undefined) throw badRequest('send the catalog as JSON or YAML', 'body');
    const parsed =
      typeof req.body === 'string' ? checkParsedCatalogText(await parseYamlOffThread(req.body, MAX_INPUT_DEPTH)) : checkCatalogDocument(req.body);
    if (!parsed.ok) {
      throw invalidInput(parsed.issues.map((issue) => ({ field: issue.path, message: issue.message })));
    }
    const environmentId = environmentOf(res);
    const result = await applyCatalog(db, environmentId, parsed.catalog);
    if (!result.ok) {
      throw invalidInput(result.issues.map((issue) => ({ field: issue.path, message: issue.message })), 422, 'CATALOG_CHANGE_REFUSED');
    }
    const billingSync = result.changed && billingProvider === 'stripe' ? await workflows.catalog.sync(environmentId) : undefined;
    res.json({ changed: result.changed, changes: result.changes, ...(billingSync && { billingSync }) });
  });

  return router;
}
