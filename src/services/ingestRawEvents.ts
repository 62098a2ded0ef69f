import { commitChange } from '../db/commitChange';
import type { Db } from '../db/createDb';
import { applyMeteredCounterChanges, countNewUniqueValues, holdCustomersMeteringShared, type AppliedCounterChange } from '../db/repositories/meteredCounters.repository';
import { storeRawEventBatch } from '../db/repositories/rawEventBatch.repository';
import type { ChangeEvent } from '../domain/changeEvent';
import { resetsNever } from '../domain/usage/counterPeriod';
import { meteredCounterUpdates, resolveCounterChanges, type MeteredCounter } from '../domain/usage/meteredCounterUpdates';
import type { RawEvent } from '../domain/usage/rawEventInput';

export type IngestionResult = { accepted: number; duplicates: number };

// Stores a batch of raw events and counts the new ones in their meters' counters, in one transaction with the
// usage.updated events: acknowledged only once all of it is durable, and a copy of an event counts nothing.
export async function ingestRawEvents(db: Db, environmentId: string, events: readonly RawEvent[]): Promise<IngestionResult> {
  const { accepted, counters } = await commitChange(db, {
    environmentId,
    write: async (trx) => {
      await holdCustomersMeteringShared(trx, environmentId, events.map((event) => event.customerId));
      const { stored, features, usagePeriodSettingOf } = await storeRawEventBatch(trx, environmentId, events);
      if (features.length === 0) return { accepted: stored.length, counters: [] };
      const updates = meteredCounterUpdates(stored, features, usagePeriodSettingOf);
      const newValues = await countNewUniqueValues(trx, environmentId, updates);
      const changes = resolveCounterChanges(updates, newValues);
      const applied = await applyMeteredCounterChanges(trx, environmentId, changes);
      // A MAX or MIN that did not move its counter tells nobody.
      const amountOf = new Map(changes.map((change) => [counterPeriodId(change), change]));
      const moved = applied.filter((counter) => {
        const change = amountOf.get(counterPeriodId(counter))!;
        return change.kind === 'ADD' || counter.value === Number(change.amount);
      });
      return { accepted: stored.length, counters: moved };
    },
    recompute: () => [],
    events: ({ counters }) => counters.map(usageUpdated),
  });
  return { accepted, duplicates: events.length - accepted };
}

const counterPeriodId = ({ counter, period }: { counter: MeteredCounter; period: { start: Date } }) =>
  JSON.stringify([counter.customerId, counter.resourceKey, counter.featureId, period.start.getTime()]);

function usageUpdated({ counter, period, value }: AppliedCounterChange): ChangeEvent {
  const never = resetsNever(period);
  return {
    type: 'usage.updated',
    customerId: counter.customerId,
    resourceId: counter.resourceKey === '' ? null : counter.resourceKey,
    payload: {
      featureId: counter.featureId,
      currentUsage: value,
      usagePeriodStart: never ? null : period.start.toISOString(),
      usagePeriodEnd: never ? null : period.end.toISOString(),
    },
  };
}
