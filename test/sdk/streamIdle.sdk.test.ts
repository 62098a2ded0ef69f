import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TollgateError } from '../../packages/node-sdk/src/errors';
import { startRealtimeStream } from '../../packages/node-sdk/src/realtimeStream';
import { eventually, SEED_CATALOG, startSdkService, type SdkService } from '../support/sdkService';

// The stream's idle timeout against the real service sending a heartbeat every 100 ms: a caller that keeps the
// event loop busy longer than the timeout (a long run of awaited cached checks never yields to I/O) must not have
// its healthy stream taken for dead, since the heartbeats are waiting unread in the socket.
const HEARTBEAT_MS = 100;
const IDLE_TIMEOUT_MS = 400;
let service: SdkService;

beforeAll(async () => {
  service = await startSdkService(SEED_CATALOG, { heartbeatMs: HEARTBEAT_MS });
});
afterAll(async () => service?.stop());

// Microtasks only, like a loop of awaited cached checks: no timer and no socket is served meanwhile.
async function busyWithoutYielding(ms: number) {
  const until = Date.now() + ms;
  while (Date.now() < until) await Promise.resolve();
}

function openStream(idleTimeoutMs: number) {
  const lifetime = new AbortController();
  const seen = { connected: 0, disconnected: [] as TollgateError[] };
  startRealtimeStream({
    baseUri: service.baseUri,
    apiKey: service.apiKey,
    backoff: { baseMs: 50, maxMs: 100 },
    idleTimeoutMs,
    lifetime: lifetime.signal,
    onConnected: () => seen.connected++,
    onMessage: () => undefined,
    onDisconnected: (error) => seen.disconnected.push(error),
    onRejected: (error) => seen.disconnected.push(error),
  });
  return { seen, close: () => lifetime.abort() };
}

describe('the realtime stream idle timeout', () => {
  it('keeps a healthy stream through an event loop kept busy past the timeout', async () => {
    const stream = openStream(IDLE_TIMEOUT_MS);
    try {
      await eventually(() => stream.seen.connected === 1);
      await busyWithoutYielding(IDLE_TIMEOUT_MS * 4);
      // Several heartbeats' time for a wrongly fired timeout to show.
      await new Promise((resolve) => setTimeout(resolve, IDLE_TIMEOUT_MS * 2));
      expect(stream.seen.disconnected.map((error) => error.message)).toEqual([]);
      expect(stream.seen.connected).toBe(1);
    } finally {
      stream.close();
    }
  });

  it('still ends a stream that really stays silent past the timeout', async () => {
    // A timeout shorter than the heartbeat: the silence between two heartbeats is real.
    const stream = openStream(HEARTBEAT_MS / 4);
    try {
      await eventually(() => stream.seen.disconnected.length > 0);
      expect(stream.seen.disconnected[0]!.message).toMatch(/no data for 25 ms/);
    } finally {
      stream.close();
    }
  });
});
