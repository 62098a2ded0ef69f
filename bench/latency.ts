// Latency figures of a series of timed calls, in milliseconds.
export type LatencySummary = { count: number; p50: number; p90: number; p95: number; p99: number; mean: number };

export async function timeSequentially(count: number, call: (index: number) => Promise<void>): Promise<number[]> {
  const samples: number[] = [];
  for (let index = 0; index < count; index++) {
    const started = process.hrtime.bigint();
    await call(index);
    samples.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  return samples;
}

export function summarise(samples: number[]): LatencySummary {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (quantile: number) => sorted[Math.min(sorted.length - 1, Math.floor(quantile * sorted.length))]!;
  return { count: sorted.length, p50: at(0.5), p90: at(0.9), p95: at(0.95), p99: at(0.99), mean: sorted.reduce((sum, value) => sum + value, 0) / sorted.length };
}
