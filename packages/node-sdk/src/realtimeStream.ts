import { backoffDelay, sleep, type BackoffPolicy } from './backoff.js';
import { TollgateError } from './errors.js';
import { createSseParser, type SseEvent } from './sseParser.js';

export type RealtimeStreamSettings = {
  baseUri: string;
  apiKey: string;
  backoff: BackoffPolicy;
  // Without a byte for this long (the service sends a heartbeat every 15 s) the connection is taken for dead.
  idleTimeoutMs: number;
  lifetime: AbortSignal;
  // `resumed`: the connection continues from the last event received, so nothing was missed meanwhile.
  onConnected: (resumed: boolean) => void;
  onMessage: (event: SseEvent) => void;
  onDisconnected: (error: TollgateError) => void;
  // The key was refused: reconnecting cannot help, the stream stops.
  onRejected: (error: TollgateError) => void;
};

// The service's Server-Sent Events stream, kept open for the client's lifetime: each loss is followed by a
// reconnect after an exponential backoff with jitter, resuming with Last-Event-ID so the service replays what
// happened meanwhile.
export function startRealtimeStream(settings: RealtimeStreamSettings): void {
  const url = `${settings.baseUri.replace(/\/+$/, '')}/v1/stream`;
  let lastEventId: string | undefined;

  async function connectOnce(): Promise<'ended' | 'rejected'> {
    const connection = new AbortController();
    const signal = AbortSignal.any([settings.lifetime, connection.signal]);
    let idle: NodeJS.Timeout | undefined;
    let chunks = 0;
    // A timer can fire after the event loop was kept busy past the timeout (a long run of awaited checks never
    // yields to I/O) while heartbeats wait unread in the socket: the loop's poll phase reads them before
    // setImmediate runs, so the connection is judged dead only if nothing arrived by then.
    const judgeIdle = () => {
      const seen = chunks;
      setImmediate(() => {
        if (chunks === seen) connection.abort(new Error(`no data for ${settings.idleTimeoutMs} ms`));
      }).unref();
    };
    const resetIdle = () => {
      chunks++;
      clearTimeout(idle);
      idle = setTimeout(judgeIdle, settings.idleTimeoutMs);
      idle.unref();
    };
    try {
      resetIdle();
      const resumedFrom = lastEventId;
      const response = await fetch(url, {
        headers: { 'X-API-KEY': settings.apiKey, Accept: 'text/event-stream', ...(resumedFrom !== undefined && { 'Last-Event-ID': resumedFrom }) },
        signal,
      });
      if (response.status === 401) {
        settings.onRejected(new TollgateError('the API key was refused', { code: 'API_KEY_INVALID', status: 401 }));
        await response.body?.cancel();
        return 'rejected';
      }
      if (!response.ok || !response.body) {
        await response.body?.cancel();
        throw new TollgateError(`GET /v1/stream answered ${response.status}`, { code: `HTTP_${response.status}`, status: response.status, unreachable: true });
      }
      settings.onConnected(resumedFrom !== undefined);
      const parser = createSseParser((event) => {
        if (event.id !== undefined) lastEventId = event.id;
        settings.onMessage(event);
      });
      const decoder = new TextDecoder();
      for await (const chunk of response.body) {
        resetIdle();
        parser.push(decoder.decode(chunk as Uint8Array, { stream: true }));
      }
      throw new TollgateError('the stream ended', { code: 'STREAM_ENDED', unreachable: true });
    } catch (error) {
      if (settings.lifetime.aborted) return 'ended';
      settings.onDisconnected(error instanceof TollgateError ? error : new TollgateError(`GET /v1/stream: ${(error as Error)?.message ?? String(error)}`, { code: 'NETWORK_ERROR', unreachable: true, cause: error }));
      return 'ended';
    } finally {
      clearTimeout(idle);
    }
  }

  void (async () => {
    let failures = 0;
    while (!settings.lifetime.aborted) {
      const startedAt = Date.now();
      if ((await connectOnce()) === 'rejected') return;
      // A connection that lived a while was healthy: start the backoff over.
      failures = Date.now() - startedAt > 30_000 ? 0 : failures + 1;
      if (!settings.lifetime.aborted) await sleep(backoffDelay(settings.backoff, failures - 1));
    }
  })();
}
