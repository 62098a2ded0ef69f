import { counterHistory } from '../../db/repositories/usageCounters.repository';
import { resetsNever } from '../../domain/usage/counterPeriod';
import { reportUsageBodySchema, usageReportSchema, MAX_USAGE_BATCH } from '../../domain/usage/usageInput';
import { databaseEntitlementReads } from '../../services/entitlementReads';
import { reportUsage } from '../../services/reportUsage';
import type { AppDependencies } from '../appDependencies';
import { environmentOf } from '../authenticate';
import { notFound } from '../httpError';
import type { Operation, RouteRegistry } from '../routeRegistry';
import { errorAnswer } from '../schemas/errors.schemas';
import { usageAcknowledgementSchema, usageBatchAcknowledgementSchema, usageHistoryPathSchema, usageHistoryQuerySchema, usageHistorySchema } from '../schemas/usage.schemas';
import { parseInput } from '../validate';
import { z } from 'zod';

const batchSchema = z.strictObject({ usages: z.array(usageReportSchema).min(1, 'must hold at least one report').max(MAX_USAGE_BATCH, `at most ${MAX_USAGE_BATCH} reports a batch`) });

const reportOperation = {
  method: 'post',
  path: '/v1/usage',
  summary: 'reportUsage: one report, or { usages: [...] } (up to 100), recorded together or not at all',
  body: {
    schema: reportUsageBodySchema,
    // A body with `usages` is a batch; anything else one report: each names its own fields when invalid.
    read: async (raw: unknown) => (raw !== null && typeof raw === 'object' && 'usages' in raw ? parseInput(batchSchema, raw) : parseInput(usageReportSchema, raw)),
  },
  responses: {
    200: { description: 'Recorded (durable); a batch answers { usages: [...] } in its order', schema: z.union([usageAcknowledgementSchema, usageBatchAcknowledgementSchema]) },
    404: errorAnswer('An unknown (or archived) customer, or an unknown feature'),
    409: errorAnswer('`USAGE_LIMIT_EXCEEDED`: with enforceLimit, the usage does not fit the hard limit (nothing of the batch was recorded)'),
  },
} satisfies Operation;

const historyOperation = {
  method: 'get',
  path: '/v1/customers/:customerId/usage/:featureId',
  summary: 'Usage history: the usage of each period of a metered feature, newest first',
  params: usageHistoryPathSchema,
  query: usageHistoryQuerySchema,
  responses: { 200: { description: 'The periods', schema: usageHistorySchema }, 404: errorAnswer('No such customer or feature') },
} satisfies Operation;

export function usageRoutes({ db, entitlementReads = databaseEntitlementReads(db) }: AppDependencies, { route }: RouteRegistry): void {
  route(reportOperation, async ({ body }, res) => {
    const batched = 'usages' in body;
    const acknowledgements = await reportUsage(db, entitlementReads, environmentOf(res), batched ? body.usages : [body], batched);
    res.json(batched ? { usages: acknowledgements } : acknowledgements[0]!);
  });

  route(historyOperation, async ({ params, query }, res) => {
    const environmentId = environmentOf(res);
    const [scope, features] = await Promise.all([entitlementReads.scope(environmentId, params.customerId, null), entitlementReads.features(environmentId)]);
    if (scope.customer !== 'FOUND') throw notFound(`unknown customer "${params.customerId}"`, 'customerId');
    if (!features.has(params.featureId)) throw notFound(`unknown feature "${params.featureId}"`, 'featureId');
    const rows = await counterHistory(db, { environmentId, customerId: params.customerId, resourceKey: query.resourceId ?? '', featureId: params.featureId }, query.limit ?? 24);
    res.json({
      customerId: params.customerId,
      featureId: params.featureId,
      ...(query.resourceId !== undefined && { resourceId: query.resourceId }),
      periods: rows.map((row) => ({
        ...(!resetsNever({ start: row.period_start, end: row.period_end }) && { usagePeriodStart: row.period_start.toISOString(), usagePeriodEnd: row.period_end.toISOString() }),
        usage: row.value,
        updatedAt: row.updated_at.toISOString(),
      })),
    });
  });
}
