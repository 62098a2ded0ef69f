import type { Db } from '../../db/createDb';
import { checkEntitlement, listEntitlements } from '../../services/entitlementChecks';
import { databaseEntitlementReads, type EntitlementReads } from '../../services/entitlementReads';
import type { EntitlementCheckAnswer } from '../entitlementCheckFastLane';
import type { AppDependencies } from '../appDependencies';
import { environmentOf } from '../authenticate';
import { notFound } from '../httpError';
import type { Operation, RouteRegistry } from '../routeRegistry';
import { entitlementListSchema, entitlementPathSchema, entitlementQuerySchema, entitlementResultSchema, entitlementsPathSchema, entitlementsQuerySchema } from '../schemas/entitlements.schemas';
import { errorAnswer } from '../schemas/errors.schemas';

// A metered check without requestedUsage asks whether one more unit fits (so a customer at the limit is refused).
const DEFAULT_REQUESTED_USAGE = 1;

const listOperation = {
  method: 'get',
  path: '/v1/customers/:customerId/entitlements',
  summary: 'getEntitlements: every entitlement of the customer (or of one of its resources)',
  params: entitlementsPathSchema,
  query: entitlementsQuerySchema,
  responses: { 200: { description: 'The entitlements, metered ones with their usage', schema: entitlementListSchema }, 404: errorAnswer('No such customer, or it is archived') },
} satisfies Operation;

const checkOperation = {
  method: 'get',
  path: '/v1/customers/:customerId/entitlements/:featureId',
  summary: 'getBooleanEntitlement / getNumericEntitlement / getMeteredEntitlement, by the feature\'s type',
  params: entitlementPathSchema,
  query: entitlementQuerySchema,
  responses: { 200: { description: 'The entitlement; a denial is hasAccess false with its accessDeniedReason', schema: entitlementResultSchema } },
} satisfies Operation;

export function entitlementsRoutes({ db, entitlementReads = databaseEntitlementReads(db) }: AppDependencies, { route }: RouteRegistry): void {
  route(listOperation, async ({ params, query }, res) => {
    const environmentId = environmentOf(res);
    const scope = await entitlementReads.scope(environmentId, params.customerId, query.resourceId ?? null);
    if (scope.customer !== 'FOUND') throw notFound(`unknown customer "${params.customerId}"`, 'customerId');
    const entitlements = await listEntitlements(db, entitlementReads, { environmentId, customerId: params.customerId, resourceId: query.resourceId ?? null });
    res.json({ entitlements });
  });

  const answer = entitlementCheckAnswer(db, entitlementReads);
  route(checkOperation, async ({ params, query }, res) => {
    res.json(await answer(environmentOf(res), params, query));
  });
}

// One check as the route answers it; the fast lane (entitlementCheckFastLane) answers with the same function.
export function entitlementCheckAnswer(db: Db, entitlementReads: EntitlementReads): EntitlementCheckAnswer {
  return (environmentId, params, query) =>
    checkEntitlement(db, entitlementReads, {
      environmentId,
      customerId: params.customerId,
      featureId: params.featureId,
      resourceId: query.resourceId ?? null,
      requestedUsage: query.requestedUsage ?? DEFAULT_REQUESTED_USAGE,
      expectedType: query.type,
    });
}
