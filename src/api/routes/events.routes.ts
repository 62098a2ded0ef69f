import { toRawEvent } from '../../domain/usage/rawEventInput';
import { ingestRawEvents } from '../../services/ingestRawEvents';
import type { AppDependencies } from '../appDependencies';
import { environmentOf } from '../authenticate';
import type { Operation, RouteRegistry } from '../routeRegistry';
import { readReportEventsBody, reportEventsBodySchema, reportEventsResponseSchema } from '../schemas/events.schemas';

const reportEventsOperation = {
  method: 'post',
  path: '/v1/events',
  summary:
    'reportEvent: one raw event or an array of up to 1,000, deduplicated on (customer, resource, event name, idempotency key) and counted by the catalog\'s meters; answered once durable',
  body: { schema: reportEventsBodySchema, read: readReportEventsBody },
  responses: { 200: { description: 'Stored and counted (or already received)', schema: reportEventsResponseSchema } },
} satisfies Operation;

export function eventsRoutes({ db }: AppDependencies, { route }: RouteRegistry): void {
  route(reportEventsOperation, async ({ body }, res) => {
    const receivedAt = new Date();
    const events = (Array.isArray(body) ? body : [body]).map((input) => toRawEvent(input, receivedAt));
    res.json(await ingestRawEvents(db, environmentOf(res), events));
  });
}
