import { commitChange } from '../db/commitChange';
import type { Db } from '../db/createDb';
import {
  applyMeteredCounterChanges,
  countNewUniqueValues,
  holdCustomersMeteringShared,
  loadMeteredFeatures,
  loadUsagePeriodSettings,
  type AppliedCounterChange,
} from '../db/repositories/meteredCounters.repository';
import { distinctInLockOrder, insertNewRawEvents } from '../db/repositories/rawEvents.repository';
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
      const distinct = distinctInLockOrder(events);
      await holdCustomersMeteringShared(trx, environmentId, distinct.map((event) => event.customerId));
      const stored = await insertNewRawEvents(trx, environmentId, distinct);
      const features = await loadMeteredFeatures(trx, environmentId, stored.map((event) => event.eventName));
      if (features.length === 0) return { accepted: stored.length, counters: [] };

      // Only incremental meters reset per the entitlement's period: the others need no entitlement read.
      const featuresThatReset = features.filter((feature) => feature.meterType === 'Incremental').map((feature) => feature.meter);
      const counters = new Map<string, MeteredCounter>();
      for (const event of distinctBy(stored, (e) => `${e.customerId}\u0000${e.resourceKey}\u0000${e.eventName}`)) {
        for (const meter of featuresThatReset.filter((candidate) => candidate.eventName === event.eventName)) {
          const counter = { customerId: event.customerId, resourceKey: event.resourceKey, featureId: meter.featureId };
          counters.set(`${counter.customerId}\u0000${counter.resourceKey}\u0000${counter.featureId}`, counter);
        }
      }
      const settingOf = await loadUsagePeriodSettings(trx, environmentId, [...counters.values()]);
      const updates = meteredCounterUpdates(stored, features, settingOf);
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

function distinctBy<T>(items: readonly T[], key: (item: T) => string): T[] {
  const seen = new Map<string, T>();
  for (const item of items) if (!seen.has(key(item))) seen.set(key(item), item);
  return [...seen.values()];
}
