import { backoffDelay, type BackoffPolicy } from './backoff.js';
import { isUnreachable } from './errors.js';

// A usage report or a raw event waiting for the service, keyed by what the service deduplicates it on.
export type PendingReport = { kind: 'usage' | 'event'; key: string; body: Record<string, unknown> };

export type ReportBufferSettings = {
  maxSize: number;
  backoff: BackoffPolicy;
  // Sends a batch in one request (reports of one kind, in their order); resolves with each one's answer.
  send: (kind: PendingReport['kind'], bodies: Record<string, unknown>[]) => Promise<unknown[]>;
  onDelivered: (report: PendingReport, answer: unknown) => void;
  // The service refused it (bad input, an unknown customer): resending cannot help.
  onRefused: (report: PendingReport, error: unknown) => void;
};

const BATCH_LIMITS = { usage: 100, event: 1000 } as const;

// Reports made while the service is unreachable, kept in order (a SET after a DELTA must stay after it), bounded,
// deduplicated by their keys, and flushed in batches once the service answers again. Every report carries its
// idempotency key, so a batch resent after a lost answer counts once.
export function createReportBuffer(settings: ReportBufferSettings) {
  const pending = new Map<string, PendingReport>();
  let flushing: Promise<void> | undefined;
  let retryTimer: NodeJS.Timeout | undefined;
  let failures = 0;
  let closed = false;

  // The oldest reports of the kind at the head of the queue, up to one batch.
  function headRun(): PendingReport[] {
    const run: PendingReport[] = [];
    for (const report of pending.values()) {
      if (run.length > 0 && (report.kind !== run[0]!.kind || run.length >= BATCH_LIMITS[report.kind])) break;
      run.push(report);
    }
    return run;
  }

  async function deliver(run: PendingReport[]): Promise<'sent' | 'unreachable'> {
    try {
      const answers = await settings.send(run[0]!.kind, run.map((r) => r.body));
      run.forEach((report, index) => {
        pending.delete(report.key);
        settings.onDelivered(report, answers[index]);
      });
      return 'sent';
    } catch (error) {
      if (isUnreachable(error)) return 'unreachable';
      if (run.length === 1) {
        pending.delete(run[0]!.key);
        settings.onRefused(run[0]!, error);
        return 'sent';
      }
      // A batch is accepted or refused whole: one at a time, only the refused one is dropped.
      for (const report of run) if ((await deliver([report])) === 'unreachable') return 'unreachable';
      return 'sent';
    }
  }

  async function drain(): Promise<void> {
    while (pending.size > 0 && !closed) {
      if ((await deliver(headRun())) === 'unreachable') {
        scheduleRetry();
        return;
      }
      failures = 0;
    }
  }

  function scheduleRetry() {
    if (closed || retryTimer) return;
    retryTimer = setTimeout(() => {
      retryTimer = undefined;
      void flush();
    }, backoffDelay(settings.backoff, failures++));
    retryTimer.unref();
  }

  function flush(): Promise<void> {
    flushing ??= drain().finally(() => (flushing = undefined));
    return flushing;
  }

  return {
    // 'duplicate': a report with this key is already waiting; 'full': the buffer holds maxSize reports.
    add(report: PendingReport): 'added' | 'duplicate' | 'full' {
      if (pending.has(report.key)) return 'duplicate';
      if (pending.size >= settings.maxSize) return 'full';
      pending.set(report.key, report);
      scheduleRetry();
      return 'added';
    },
    // Sends what waits now (the service answered again); resolves when the buffer is empty or unreachable again.
    flush,
    get size() {
      return pending.size;
    },
    close() {
      closed = true;
      clearTimeout(retryTimer);
    },
  };
}
