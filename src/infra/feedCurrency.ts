// How fresh the change feed is, from the snapshots its reads saw. A change committed before read R began belongs to
// a transaction below R's `nextTransaction`; once a drained read's horizon has passed that, the change was delivered.
// So the feed is current as of the start of the latest such R, whatever long transaction held the horizon back.
export type FeedCurrency = ReturnType<typeof createFeedCurrency>;

// Bounds the reads remembered while a long transaction holds the horizon back (a few per second at most).
const MAX_PENDING_READS = 10_000;

export function createFeedCurrency() {
  // Reads not yet covered by a drained horizon, by increasing nextTransaction.
  let pending: { nextTransaction: bigint; startedAt: number }[] = [];
  let currentAsOf: number | undefined;

  return {
    // A read began at `startedAt` and saw this snapshot bound.
    readStarted(startedAt: number, nextTransaction: bigint): void {
      const last = pending.at(-1);
      if (last?.nextTransaction === nextTransaction) last.startedAt = startedAt;
      // Full: widen the newest entry rather than grow; it then vouches for its older time only (never too new).
      else if (last && pending.length >= MAX_PENDING_READS) last.nextTransaction = nextTransaction;
      else pending.push({ nextTransaction, startedAt });
    },
    // A read delivered every committed event below `horizon`.
    drainedTo(horizon: bigint): void {
      while (pending[0] && pending[0].nextTransaction <= horizon) currentAsOf = pending.shift()!.startedAt;
    },
    // The connection was lost: nothing is known until reads start again.
    forget(): void {
      pending = [];
      currentAsOf = undefined;
    },
    // Every change committed more than `maxLagMs` before `now` has been delivered.
    isCurrent(now: number, maxLagMs: number): boolean {
      return currentAsOf !== undefined && now - currentAsOf <= maxLagMs;
    },
  };
}
