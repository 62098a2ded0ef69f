import { listSubscriptionHistory } from '../../db/repositories/subscriptionHistory.repository';
import { findVisibleSubscription } from '../../db/repositories/subscriptions.repository';
import type { AppDependencies } from '../appDependencies';
import { environmentOf } from '../authenticate';
import { notFound } from '../httpError';
import type { Operation, RouteRegistry } from '../routeRegistry';
import { errorAnswer } from '../schemas/errors.schemas';
import { subscriptionHistoryQuerySchema, subscriptionHistorySchema, subscriptionPathSchema } from '../schemas/subscriptions.schemas';

const DEFAULT_PAGE_SIZE = 100;

const subscriptionHistoryOperation = {
  method: 'get',
  path: '/v1/subscriptions/:subscriptionId/history',
  summary: 'The subscription\'s transitions, oldest first: what changed, when, and why (API call, timer, webhook)',
  params: subscriptionPathSchema,
  query: subscriptionHistoryQuerySchema,
  responses: { 200: { description: 'One page of the history', schema: subscriptionHistorySchema }, 404: errorAnswer('No such subscription') },
} satisfies Operation;

export function subscriptionHistoryRoutes({ db }: AppDependencies, { route }: RouteRegistry): void {
  route(subscriptionHistoryOperation, async ({ params, query }, res) => {
    const environmentId = environmentOf(res);
    const { subscriptionId } = params;
    if (!(await findVisibleSubscription(db, environmentId, subscriptionId))) throw notFound(`subscription "${subscriptionId}" was not found`, 'subscriptionId');
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    // One more than the page, to know whether another follows.
    const rows = await listSubscriptionHistory(db, environmentId, subscriptionId, { after: query.after ?? 0, limit: limit + 1 });
    const page = rows.slice(0, limit);
    res.json({
      subscriptionId,
      entries: page.map((row) => ({
        id: String(row.id),
        occurredAt: row.occurred_at.toISOString(),
        transition: row.transition,
        fromStatus: row.from_status,
        toStatus: row.to_status,
        cause: row.cause,
        causeDetail: row.cause_detail,
        changes: row.changes,
      })),
      nextAfter: rows.length > limit ? String(page.at(-1)!.id) : null,
    });
  });
}
