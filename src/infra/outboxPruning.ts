import type { Db } from '../db/createDb';
import { pruneChangeOutbox } from '../db/repositories/changeOutbox.repository';
import type { Logger } from '../logger';

// The stream's replay window: events stay this long, and a client resuming from further back is told to resync.
export const OUTBOX_RETENTION_MS = 24 * 60 * 60 * 1_000;
const PRUNE_EVERY_MS = 60_000;
const PRUNE_BATCH = 5_000;
// At most this many batches a round, so one round stays short however far behind it is; the next round goes on.
const MAX_BATCHES_PER_ROUND = 20;

// Deletes events past the replay window once a minute, in bounded batches. Every API process runs it: the rounds
// are idempotent, and concurrent ones only wait on each other's row locks.
export function startOutboxPruning(db: Db, logger: Logger): { stop: () => Promise<void> } {
  let round: Promise<void> = Promise.resolve();
  const prune = async () => {
    for (let batch = 0; batch < MAX_BATCHES_PER_ROUND; batch++) {
      if ((await pruneChangeOutbox(db, new Date(Date.now() - OUTBOX_RETENTION_MS), PRUNE_BATCH)) < PRUNE_BATCH) return;
    }
  };
  const timer = setInterval(() => {
    round = round.then(prune).catch((error: unknown) => logger.warn({ err: error }, 'pruning the change outbox failed; the next round retries'));
  }, PRUNE_EVERY_MS);
  timer.unref();
  return {
    stop: async () => {
      clearInterval(timer);
      await round;
    },
  };
}
