// Exponential backoff with full jitter: attempt n waits a random time up to base·2ⁿ (capped), so many clients
// retrying after one outage spread out instead of arriving together.
export type BackoffPolicy = { baseMs: number; maxMs: number };

export function backoffDelay(policy: BackoffPolicy, attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.max(0, attempt));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());
