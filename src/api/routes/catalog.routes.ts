import { catalogDocumentSchema, type CatalogDocument } from '../../domain/catalog/catalogDocument';
import { checkCatalogDocument, checkParsedCatalogText } from '../../domain/catalog/parseCatalogDocument';
import { MAX_INPUT_DEPTH } from '../../domain/input/storableText';
import { parseYamlOffThread } from '../../infra/yamlParserThread';
import { applyCatalog } from '../../services/applyCatalog';
import { readCatalog, readCatalogDocument } from '../../services/readCatalog';
import type { AppDependencies } from '../appDependencies';
import { environmentOf } from '../authenticate';
import { badRequest, invalidInput } from '../httpError';
import type { Operation, RouteRegistry } from '../routeRegistry';
import { applyCatalogResponseSchema, catalogQuerySchema, catalogResponseSchema } from '../schemas/catalog.schemas';
import { errorAnswer } from '../schemas/errors.schemas';

// The document as JSON or YAML text; invalid documents are rejected whole, naming the first bad path.
async function readCatalogBody(body: unknown): Promise<CatalogDocument> {
  if (body === undefined) throw badRequest('send the catalog as JSON or YAML', 'body');
  const parsed = typeof body === 'string' ? checkParsedCatalogText(await parseYamlOffThread(body, MAX_INPUT_DEPTH)) : checkCatalogDocument(body);
  if (!parsed.ok) throw invalidInput(parsed.issues.map((issue) => ({ field: issue.path, message: issue.message })));
  return parsed.catalog;
}

const getCatalogOperation = {
  method: 'get',
  path: '/v1/catalog',
  summary: 'The live catalog of the key\'s environment; `format=document`: the appliable document (drafts included), which PUT takes back unchanged',
  query: catalogQuerySchema,
  responses: { 200: { description: 'Catalog', schema: catalogResponseSchema } },
} satisfies Operation;

const applyCatalogOperation = {
  method: 'put',
  path: '/v1/catalog',
  summary: 'Apply a catalog document (JSON, or YAML with Content-Type application/yaml); idempotent',
  body: { schema: catalogDocumentSchema, accepts: 'jsonOrYaml', read: readCatalogBody },
  responses: {
    200: { description: 'Applied; lists what changed', schema: applyCatalogResponseSchema },
    422: errorAnswer('A change the stored catalog does not allow (`CATALOG_CHANGE_REFUSED`), or a reused Idempotency-Key'),
  },
} satisfies Operation;

export function catalogRoutes({ db, workflows, billingProvider }: AppDependencies, { route }: RouteRegistry): void {
  route(getCatalogOperation, async ({ query: { format } }, res) => {
    const environmentId = environmentOf(res);
    res.json(format === 'document' ? await readCatalogDocument(db, environmentId) : await readCatalog(db, environmentId));
  });

  route(applyCatalogOperation, async ({ body: catalog }, res) => {
    const environmentId = environmentOf(res);
    const result = await applyCatalog(db, environmentId, catalog);
    if (!result.ok) {
      throw invalidInput(result.issues.map((issue) => ({ field: issue.path, message: issue.message })), 422, 'CATALOG_CHANGE_REFUSED');
    }
    const billingSync = result.changed && billingProvider === 'stripe' ? await workflows.catalog.sync(environmentId) : undefined;
    res.json({ changed: result.changed, changes: result.changes, ...(billingSync && { billingSync }) });
  });
}
