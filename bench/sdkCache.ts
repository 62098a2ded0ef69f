import Tollgate from '@tollgate/node-sdk';
import type { BenchApi } from './benchApi';
import { copiedIds, copyCustomers, inParallel, provisionCustomers } from './hotPathData';
import { summarise, type LatencySummary } from './latency';
import { printCheckRates, type CheckRates } from './sdkCheckRates';
import { measureChecksInOwnProcess } from './sdkChecksProcess';

// The SDK's figures of issue 9: cached checks per second beside a bare Map.get loop in the same run and one cached
// check's latency (in a process of their own that loads only the SDK, as an application would), the heap of 10,000
// cached customers, and the time from a committed change (a usage acknowledgement) to the SDK's cache.
export type SdkFigures = {
  rates: CheckRates;
  cachedCheck: LatencySummary;
  customers: number;
  heapBytesPer10k: number | undefined;
  propagation: LatencySummary;
};

const now = () => Number(process.hrtime.bigint()) / 1e6;
const CHECKS = Number(process.env.BENCH_SDK_CHECKS ?? 1_000_000);
const gc = (globalThis as { gc?: () => void }).gc;

// The check loops leave the bench's keep-alive connection idle past the server's timeout: a report meeting the closed
// socket is sent again (with its idempotency key, so it counts once).
async function reportOnce(api: BenchApi, customerId: string): Promise<unknown> {
  const body = { customerId, featureId: 'feature-api-calls', value: 1, idempotencyKey: `sdk-bench-${process.hrtime.bigint()}` };
  try {
    return await api('POST', '/v1/usage', body);
  } catch (error) {
    if (!(error instanceof TypeError)) throw error;
    return api('POST', '/v1/usage', body);
  }
}

export async function measureSdk(options: { api: BenchApi; baseUrl: string; apiKey: string; databaseUrl: string; run: string; customers?: number; rounds?: number }): Promise<SdkFigures> {
  const { api, run } = options;
  const customers = options.customers ?? 10_000;
  // 100 customers through the API (free, and pro on its trial, which grants feature-sso), copied in Postgres.
  const seeded = await provisionCustomers(api, `${run}-sdk`, { free: 50, pro: 50 });
  const copies = Math.max(0, Math.round(customers / 100) - 1);
  await copyCustomers(options.databaseUrl, [...seeded.free, ...seeded.pro], copies, 's');
  const free = [...seeded.free, ...copiedIds(seeded.free, copies, 's')];
  const pro = [...seeded.pro, ...copiedIds(seeded.pro, copies, 's')];

  const client = Tollgate.initialize({ apiKey: options.apiKey, baseUri: options.baseUrl, memoryCacheMaxSizeBytes: 1024 ** 3, logConfiguration: { logLevel: 'error' } });
  await client.waitForInitialization();
  try {
    gc?.();
    const heapBefore = process.memoryUsage().heapUsed;
    const all = [...free, ...pro];
    await inParallel(all.length, 16, (index) => client.getEntitlements(all[index]!));
    gc?.();
    const heapBytesPer10k = gc ? ((process.memoryUsage().heapUsed - heapBefore) * 10_000) / all.length : undefined;

    const hot = pro.slice(0, 1000);
    const metered = free.slice(0, 1000);
    const { rates, cachedCheck, streamLosses } = await measureChecksInOwnProcess({ baseUrl: options.baseUrl, apiKey: options.apiKey, hot, metered, checks: CHECKS, latencySamples: 200_000 });
    printChecks({ rates, cachedCheck, customers: all.length, heapBytesPer10k });
    console.log(`  realtime stream lost during the checks    ${streamLosses} time(s)`);

    // A usage report acknowledged (committed), then the time until the SDK's cached check shows it.
    const customerId = free[0]!;
    const report = (who: string) => reportOnce(api, who);
    const propagation: number[] = [];
    for (let round = 0; round < (options.rounds ?? 200); round++) {
      // The event may come before the acknowledgement's answer: the latest figure seen is kept.
      let target = Number.POSITIVE_INFINITY;
      let latest = Number.NEGATIVE_INFINITY;
      let arrived!: () => void;
      const seen = new Promise<void>((resolve) => (arrived = resolve));
      const listener = ({ customerId: who, currentUsage }: { customerId: string; currentUsage: number }) => {
        if (who !== customerId) return;
        latest = Math.max(latest, currentUsage);
        if (latest >= target) arrived();
      };
      client.addListener('usageUpdated', listener);
      const ack = (await report(customerId)) as { currentUsage: number };
      const acknowledged = now();
      target = ack.currentUsage;
      if (latest >= target) arrived();
      // The acknowledgement itself is not applied here (another process's change reaches this cache by the stream).
      let timer: NodeJS.Timeout | undefined;
      const timedOut = await Promise.race([seen.then(() => false), new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), 10_000)))]);
      // Left running, the last round's timer would keep the process alive for 10 s after the run.
      clearTimeout(timer);
      client.removeListener('usageUpdated', listener);
      if (timedOut) throw new Error(`usageUpdated ${target} did not reach the SDK within 10 s (round ${round})`);
      const check = await client.getMeteredEntitlement({ customerId, featureId: 'feature-api-calls' });
      if (check.currentUsage < ack.currentUsage) throw new Error('the stream delivered the usage but the cache did not show it');
      propagation.push(now() - acknowledged);
    }
    return { rates, cachedCheck, customers: all.length, heapBytesPer10k, propagation: summarise(propagation) };
  } finally {
    await client.close();
  }
}

function printChecks(figures: Omit<SdkFigures, 'propagation'>): void {
  printCheckRates(figures.rates, CHECKS);
  console.log(`  one cached check                          p50 ${(figures.cachedCheck.p50 * 1000).toFixed(2)} µs   p99 ${(figures.cachedCheck.p99 * 1000).toFixed(2)} µs`);
  console.log(`  heap per 10,000 cached customers          ${figures.heapBytesPer10k === undefined ? 'run with NODE_OPTIONS=--expose-gc' : `${(figures.heapBytesPer10k / 1024 / 1024).toFixed(1)} MB (${figures.customers.toLocaleString('en-US')} cached)`}`);
}

export function printSdk(figures: SdkFigures): void {
  console.log(`  usage acknowledged -> SDK cache shows it  p50 ${figures.propagation.p50.toFixed(1)} ms   p99 ${figures.propagation.p99.toFixed(1)} ms   target p99 < 500 ms${figures.propagation.p99 < 500 ? ' (met)' : ' (MISSED)'}`);
}
