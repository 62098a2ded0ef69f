import type { Response } from 'express';
import type { StoredChangeEvent } from '../domain/changeEvent';
import { formatEventId, isAfter, type OutboxPosition } from '../domain/outboxPosition';
import { concernsCustomer, STREAMED_EVENT_TYPES, toStreamMessage } from '../domain/streamMessages';
import type { Db } from '../db/createDb';
import { countChangeEventsAfter, findResumeGap, listChangeEventsAfter } from '../db/repositories/changeOutbox.repository';
import type { ChangeFeed } from '../infra/changeFeed';
import type { Logger } from '../logger';
import { HttpError } from './httpError';

export type EventStreamSettings = {
  // Comment lines that keep proxies and load balancers from closing an idle stream.
  heartbeatMs: number;
  // A client resuming further back than this many events is told to resynchronise instead.
  maxReplayEvents: number;
};

export const DEFAULT_EVENT_STREAM_SETTINGS: EventStreamSettings = { heartbeatMs: 15_000, maxReplayEvents: 10_000 };

const REPLAY_BATCH = 500;
const FEED_RESET = 'the server missed events while its database was unreachable; refetch';
// A client that stops reading is dropped past this much unsent data; it reconnects and resumes from its last id.
const MAX_BUFFERED_BYTES = 4 * 1024 * 1024;

// `apiKeyId`: the key the stream was opened with; its revocation ends the stream.
export type EventStreamRequest = { environmentId: string; apiKeyId: string; customerId?: string; resumeAfter?: OutboxPosition };

// One client's Server-Sent Events stream: the events after its Last-Event-ID read from the outbox, then the live
// events the change feed delivers, each once and in order (live events arriving during the replay wait, and those
// the replay already sent are skipped).
export async function openEventStream(
  { db, feed, logger, settings }: { db: Db; feed: ChangeFeed; logger: Logger; settings: EventStreamSettings },
  { environmentId, apiKeyId, customerId, resumeAfter }: EventStreamRequest,
  res: Response,
): Promise<void> {
  const liveFrom = feed.position();
  if (!liveFrom) throw new HttpError(503, 'STREAM_UNAVAILABLE', 'the change feed is starting; retry shortly');
  const filter = { types: STREAMED_EVENT_TYPES, customerId };
  let lastSent = resumeAfter ?? liveFrom;
  let waiting: StoredChangeEvent[] | undefined = [];
  let resetWhileOpening = false;
  let heartbeat: NodeJS.Timeout | undefined;
  let unsubscribe = () => undefined as void;

  const write = (text: string) => {
    if (res.writableEnded) return;
    res.write(text);
    if (res.writableLength > MAX_BUFFERED_BYTES) finish();
  };
  const send = (event: StoredChangeEvent) => {
    const message = toStreamMessage(event);
    if (!message || !isAfter(event.position, lastSent)) return;
    lastSent = event.position;
    write(`id: ${formatEventId(event.position)}\nevent: ${message.event}\ndata: ${JSON.stringify(message.data)}\n\n`);
  };
  // Continues from `position`: the client drops what it holds and refetches; its next reconnect resumes from here.
  const resync = (position: OutboxPosition, reason: string) => {
    lastSent = position;
    write(`id: ${formatEventId(position)}\nevent: resyncRequired\ndata: ${JSON.stringify({ reason })}\n\n`);
  };
  const release = () => {
    clearInterval(heartbeat);
    unsubscribe();
  };
  function finish() {
    release();
    if (!res.writableEnded) res.end();
  }

  unsubscribe = feed.subscribe({
    onEvent(event) {
      if (event.type === 'apiKey.revoked' && event.payload.apiKeyId === apiKeyId) return finish();
      if (event.environmentId !== environmentId || !concernsCustomer(event, customerId) || !toStreamMessage(event)) return;
      if (waiting) waiting.push(event);
      else send(event);
    },
    onReset() {
      if (waiting) return void ((resetWhileOpening = true), (waiting = []));
      resync(feed.position() ?? lastSent, FEED_RESET);
    },
    onClose: finish,
  });
  // The client went away (or the response ended): free the subscription and the heartbeat.
  res.on('close', finish);

  try {
    const tooOld = resumeAfter && (await resumeRefusal(db, environmentId, resumeAfter, filter, settings.maxReplayEvents));
    // The client left, or the process is shutting down.
    if (res.writableEnded) return;
    res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache, no-transform', Connection: 'keep-alive', 'X-Accel-Buffering': 'no' });
    write(': connected\n\n');
    heartbeat = setInterval(() => write(': heartbeat\n\n'), settings.heartbeatMs);
    if (tooOld) resync(liveFrom, tooOld);
    else if (resumeAfter) await replay(db, environmentId, filter, () => lastSent, send, () => res.writableEnded);
    const held = waiting;
    waiting = undefined;
    if (resetWhileOpening) resync(feed.position() ?? lastSent, FEED_RESET);
    else held.forEach(send);
  } catch (error) {
    if (!res.headersSent) {
      // Nothing sent yet: the error handler answers (503 while Postgres is unreachable).
      release();
      throw error;
    }
    // The replay failed after the headers: the client reconnects with the last id it got and resumes there.
    logger.warn({ err: error }, 'an event stream replay failed; ending the stream');
    finish();
  }
}

async function resumeRefusal(db: Db, environmentId: string, after: OutboxPosition, filter: { types: readonly StoredChangeEvent['type'][]; customerId?: string }, maxEvents: number) {
  const gap = await findResumeGap(db, after);
  if (gap === 'pruned') return 'Last-Event-ID is older than the replay window (24 hours); refetch';
  if (gap === 'unknown') return 'Last-Event-ID is not an event of this server; refetch';
  if ((await countChangeEventsAfter(db, environmentId, after, maxEvents + 1, filter)) > maxEvents) return `more than ${maxEvents} events happened since Last-Event-ID; refetch`;
  return undefined;
}

async function replay(
  db: Db,
  environmentId: string,
  filter: { types: readonly StoredChangeEvent['type'][]; customerId?: string },
  from: () => OutboxPosition,
  send: (event: StoredChangeEvent) => void,
  ended: () => boolean,
) {
  for (;;) {
    const events = await listChangeEventsAfter(db, environmentId, from(), REPLAY_BATCH, filter);
    events.forEach(send);
    if (events.length < REPLAY_BATCH || ended()) return;
  }
}
