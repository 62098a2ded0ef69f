import { randomUUID } from 'node:crypto';
import { openSseStream } from '../test/support/sseClient';
import type { BenchApi } from './benchApi';
import { summarise, type LatencySummary } from './latency';

// Two "how soon" figures of issue 7, measured sequentially on an idle service:
// - event to enforceable: a raw event sent, then an entitlement check; the time until a check shows it (and
//   whether the first check after the acknowledgement already did: events are counted in the ingest transaction);
// - stream delivery: a usage report acknowledged (committed), then the time until its usageUpdated reaches an SSE
//   client of the same service (through the outbox, the change feed and the stream).
export type RealtimeFigures = {
  eventToEnforceable: LatencySummary;
  enforceableAtAck: number;
  streamAckToClient: LatencySummary;
  streamSendToClient: LatencySummary;
  rounds: number;
};

const now = () => Number(process.hrtime.bigint()) / 1e6;

export async function measureRealtime(api: BenchApi, baseUrl: string, apiKey: string, rounds = 200): Promise<RealtimeFigures> {
  const customerId = `bench-realtime-${randomUUID().slice(0, 8)}`;
  await api('POST', '/v1/customers', { customerId });
  const usageOf = async () => ((await api('GET', `/v1/customers/${customerId}/entitlements/feature-api-calls?requestedUsage=0`)) as { currentUsage: number }).currentUsage;

  const enforceable: number[] = [];
  let atAck = 0;
  for (let round = 0; round < rounds; round++) {
    const before = await usageOf();
    const sent = now();
    await api('POST', '/v1/events', [{ customerId, eventName: 'api_call', idempotencyKey: randomUUID(), dimensions: { status: 'ok' } }]);
    let checks = 0;
    while ((await usageOf()) !== before + 1) checks += 1;
    if (checks === 0) atAck += 1;
    enforceable.push(now() - sent);
  }

  const stream = await openSseStream(`${baseUrl}/v1/stream?customerId=${customerId}`, { 'X-API-KEY': apiKey });
  const ackToClient: number[] = [];
  const sendToClient: number[] = [];
  try {
    for (let round = 0; round < rounds; round++) {
      const sent = now();
      const ack = (await api('POST', '/v1/usage', { customerId, featureId: 'feature-api-calls', value: 1 })) as { currentUsage: number };
      const acknowledged = now();
      await stream.waitFor(1, (event) => event.event === 'usageUpdated' && (event.data as { currentUsage: number }).currentUsage === ack.currentUsage);
      const received = now();
      ackToClient.push(received - acknowledged);
      sendToClient.push(received - sent);
    }
  } finally {
    stream.close();
  }
  return { eventToEnforceable: summarise(enforceable), enforceableAtAck: atAck, streamAckToClient: summarise(ackToClient), streamSendToClient: summarise(sendToClient), rounds };
}

export function printRealtime(figures: RealtimeFigures): void {
  const row = (name: string, s: LatencySummary, target: string) =>
    console.log(`  ${name.padEnd(52)} p50 ${s.p50.toFixed(1).padStart(6)} ms   p99 ${s.p99.toFixed(1).padStart(6)} ms   ${target}`);
  console.log(`\nRealtime, ${figures.rounds} sequential rounds each`);
  row('raw event sent -> a check shows it', figures.eventToEnforceable, `target p99 < 1000 ms${figures.eventToEnforceable.p99 < 1000 ? ' (met)' : ' (MISSED)'}`);
  console.log(`  the first check after the acknowledgement already showed the event in ${figures.enforceableAtAck}/${figures.rounds} rounds`);
  row('usage acknowledged -> usageUpdated at an SSE client', figures.streamAckToClient, `target p99 < 500 ms${figures.streamAckToClient.p99 < 500 ? ' (met)' : ' (MISSED)'}`);
  row('usage sent -> usageUpdated at an SSE client', figures.streamSendToClient, '(upper bound of commit to client)');
}
