import pg from 'pg';
import type { StoredChangeEvent } from '../domain/changeEvent';
import type { OutboxPosition } from '../domain/outboxPosition';
import { CHANGE_OUTBOX_CHANNEL } from '../db/repositories/changeOutbox.repository';
import { outboxTail, prunedPast, readOutboxAfter } from '../db/repositories/changeFeedReads';
import type { Logger } from '../logger';
import { createFeedCurrency } from './feedCurrency';

export type ChangeFeedListener = {
  // Every committed event of every environment, once, in stream order.
  onEvent: (event: StoredChangeEvent) => void;
  // The feed skipped events it can no longer read (pruned during a long outage): drop anything derived from them.
  onReset?: () => void;
  // The feed is closing (shutdown): finish.
  onClose?: () => void;
};

export type ChangeFeed = {
  subscribe: (listener: ChangeFeedListener) => () => void;
  // Connected, and every change committed more than `maxLagMs` ago has been delivered: caches may serve.
  isCurrent: () => boolean;
  // Everything up to here has been delivered; undefined until the first connection.
  position: () => OutboxPosition | undefined;
  // Resolves once the feed is current for the first time.
  ready: Promise<void>;
  subscriberCount: () => number;
  close: () => Promise<void>;
};

export type ChangeFeedOptions = {
  connectionString: string;
  logger: Logger;
  // A NOTIFY is only a wake-up: a lost one delays delivery by at most this.
  pollIntervalMs?: number;
  maxLagMs?: number;
  batchSize?: number;
  // Bounds each read, so a frozen server is noticed and the connection replaced.
  statementTimeoutMs?: number;
  reconnectDelayMs?: { first: number; max: number };
};

// One per API process: a dedicated connection that LISTENs for commits, reads the outbox after its cursor (from the
// tail at the first start) and hands each event to in-process subscribers (streams, caches). It reconnects by itself
// and resumes from its cursor, so an outage delays events and loses none.
export function startChangeFeed(options: ChangeFeedOptions): ChangeFeed {
  const { connectionString, logger, pollIntervalMs = 250, maxLagMs = 900, batchSize = 1_000, statementTimeoutMs = 5_000 } = options;
  const reconnectDelay = options.reconnectDelayMs ?? { first: 100, max: 5_000 };
  const listeners = new Set<ChangeFeedListener>();
  const currency = createFeedCurrency();
  let client: pg.Client | undefined;
  let connected = false;
  let cursor: OutboxPosition | undefined;
  let reading = false;
  let readAgain = false;
  let closed = false;
  let nextDelay = reconnectDelay.first;
  let reconnectTimer: NodeJS.Timeout | undefined;
  let becameReady!: () => void;
  const ready = new Promise<void>((resolve) => (becameReady = resolve));

  const tell = (call: (listener: ChangeFeedListener) => void) => {
    for (const listener of [...listeners]) {
      try {
        call(listener);
      } catch (error) {
        logger.error({ err: error }, 'a change feed subscriber failed');
      }
    }
  };

  function lose(lost: pg.Client, error?: unknown) {
    lost.removeAllListeners('notification');
    lost.end().catch(() => undefined);
    // A connection replaced already, or one that finished connecting after close().
    if (lost !== client) return;
    client = undefined;
    connected = false;
    currency.forget();
    if (closed) return;
    logger.warn({ err: error, retryInMs: nextDelay }, 'the change feed lost its database connection; reconnecting');
    reconnectTimer = setTimeout(connect, nextDelay);
    nextDelay = Math.min(nextDelay * 2, reconnectDelay.max);
  }

  async function connect() {
    if (closed) return;
    const candidate = new pg.Client({
      connectionString,
      application_name: 'tollgate-change-feed',
      connectionTimeoutMillis: statementTimeoutMs,
      statement_timeout: statementTimeoutMs,
      query_timeout: statementTimeoutMs + 1_000,
      keepAlive: true,
    });
    client = candidate;
    candidate.on('error', (error) => lose(candidate, error));
    candidate.on('end', () => lose(candidate, new Error('connection ended')));
    candidate.on('notification', () => void wake());
    try {
      await candidate.connect();
      await candidate.query(`listen ${CHANGE_OUTBOX_CHANNEL}`);
      if (!cursor) cursor = await outboxTail(candidate);
      else if (await prunedPast(candidate, cursor)) {
        // Down longer than the outbox keeps events: start from now and tell subscribers they missed some.
        cursor = await outboxTail(candidate);
        logger.warn('the change feed was away longer than the outbox keeps events; subscribers resynchronise');
        tell((listener) => listener.onReset?.());
      }
      if (candidate !== client) return lose(candidate);
      connected = true;
      nextDelay = reconnectDelay.first;
      logger.info('the change feed is connected');
      void wake();
    } catch (error) {
      lose(candidate, error);
    }
  }

  // Reads until drained; a wake-up during a read makes one more pass, so no notification is dropped.
  async function wake(): Promise<void> {
    if (!connected || !client || !cursor) return;
    if (reading) return void (readAgain = true);
    reading = true;
    const reader = client;
    try {
      do {
        readAgain = false;
        const startedAt = Date.now();
        const batch = await readOutboxAfter(reader, cursor, batchSize);
        if (reader !== client) return;
        currency.readStarted(startedAt, batch.nextTransaction);
        for (const event of batch.events) {
          cursor = event.position;
          tell((listener) => listener.onEvent(event));
        }
        if (batch.events.length === batchSize) readAgain = true;
        else {
          currency.drainedTo(batch.horizon);
          if (isCurrent()) becameReady();
        }
      } while (readAgain && !closed);
    } catch (error) {
      lose(reader, error);
    } finally {
      reading = false;
    }
  }

  const isCurrent = () => connected && currency.isCurrent(Date.now(), maxLagMs);
  const poller = setInterval(() => void wake(), pollIntervalMs);
  void connect();

  return {
    subscribe(listener) {
      // Late subscribers of a closed feed (a stream opened during shutdown) end at once instead of waiting for ever.
      if (closed) {
        listener.onClose?.();
        return () => undefined;
      }
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
    isCurrent,
    position: () => cursor,
    ready,
    subscriberCount: () => listeners.size,
    async close() {
      if (closed) return;
      closed = true;
      clearInterval(poller);
      clearTimeout(reconnectTimer);
      tell((listener) => listener.onClose?.());
      listeners.clear();
      const open = client;
      client = undefined;
      connected = false;
      await open?.end().catch(() => undefined);
    },
  };
}
