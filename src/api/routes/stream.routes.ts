import { z } from 'zod';
import type { AppDependencies } from '../appDependencies';
import { environmentOf } from '../authenticate';
import { DEFAULT_EVENT_STREAM_SETTINGS, openEventStream } from '../eventStream';
import { HttpError, invalidInput } from '../httpError';
import type { Operation, RouteRegistry } from '../routeRegistry';
import { errorAnswer } from '../schemas/errors.schemas';
import { EVENT_ID_MESSAGE, streamQuerySchema } from '../schemas/stream.schemas';
import { parseEventId } from '../../domain/outboxPosition';

const streamOperation = {
  method: 'get',
  path: '/v1/stream',
  summary:
    'Server-Sent Events of the key\'s environment (one customer\'s with `customerId`, plus `packagePublished`): `entitlementsUpdated`, `usageUpdated`, ' +
    '`packagePublished`; `Last-Event-ID` resumes without loss within the replay window (24 hours and 10,000 events), else `resyncRequired`',
  query: streamQuerySchema,
  headers: [{ name: 'Last-Event-ID', description: 'The `id` of the last event received: the stream resumes right after it', schema: z.string() }],
  responses: {
    200: { description: 'An endless `text/event-stream`; `: heartbeat` comments every 15 s', contentType: 'text/event-stream' },
    503: errorAnswer('Postgres is unavailable, or the change feed is still starting: retry shortly'),
  },
} satisfies Operation;

export function streamRoutes({ db, changeFeed, logger, eventStream }: AppDependencies, { route }: RouteRegistry): void {
  route(streamOperation, async ({ query }, res, req) => {
    if (!changeFeed) throw new HttpError(503, 'STREAM_UNAVAILABLE', 'this process runs no change feed');
    const header = req.header('last-event-id');
    const fromHeader = header === undefined ? undefined : parseEventId(header);
    if (header !== undefined && !fromHeader) throw invalidInput([{ field: 'Last-Event-ID', message: EVENT_ID_MESSAGE }]);
    await openEventStream(
      { db, feed: changeFeed, logger, settings: { ...DEFAULT_EVENT_STREAM_SETTINGS, ...eventStream } },
      { environmentId: environmentOf(res), apiKeyId: res.locals.apiKeyId as string, customerId: query.customerId, resumeAfter: fromHeader ?? query.lastEventId },
      res,
    );
  });
}
