import type { MeterDefinition } from '../catalog/catalogDocument';
import { counterPeriod, type MeterType, type PeriodRule } from './counterPeriod';
import { exactDecimalSum } from './exactDecimal';
import { meterMatches } from './meterFilters';
import type { RawEvent } from './rawEventInput';
import type { ResetPeriod, UsagePeriod } from './usagePeriod';

// A feature's meter, with the feature's meter type (which decides whether its counters reset).
export type MeteredFeature = { meter: MeterDefinition; meterType: MeterType };

// The counter of one (customer, resource, feature); the period comes with each update.
export type MeteredCounter = { customerId: string; resourceKey: string; featureId: string };

// What the customer's effective entitlement says of the feature's usage periods; none yet → the counter never resets.
export type UsagePeriodSetting = { resetPeriod: ResetPeriod | null; usagePeriodAnchor: Date | null };

// How a batch moves one counter in one period. Amounts are exact decimal text (exactDecimal.ts). UNIQUE lists the
// distinct values of the batch (as JSON); only those its period has not seen before are added, which takes the database.
export type CounterTally = { kind: 'ADD' | 'MAX' | 'MIN'; amount: string } | { kind: 'UNIQUE'; values: string[] };
export type MeteredCounterUpdate = { counter: MeteredCounter; period: UsagePeriod; tally: CounterTally };

type Contribution = number | string;

// What one event adds to its meter's counter: COUNT 1; SUM, MAX and MIN the field when it is a number; UNIQUE the
// field's value, any type. An event without a usable field adds nothing.
function contributionOf(meter: MeterDefinition, event: RawEvent): Contribution | undefined {
  const { function: aggregation, field } = meter.aggregation;
  if (aggregation === 'COUNT') return 1;
  const value = field === undefined || !Object.hasOwn(event.dimensions, field) ? undefined : event.dimensions[field];
  if (aggregation === 'UNIQUE') return value === undefined ? undefined : JSON.stringify(value);
  return typeof value === 'number' ? value : undefined;
}

function tallyOf(meter: MeterDefinition, contributions: Contribution[]): CounterTally {
  const aggregation = meter.aggregation.function;
  if (aggregation === 'UNIQUE') return { kind: 'UNIQUE', values: [...new Set(contributions as string[])].sort() };
  const numbers = contributions as number[];
  if (aggregation === 'MAX') return { kind: 'MAX', amount: String(Math.max(...numbers)) };
  if (aggregation === 'MIN') return { kind: 'MIN', amount: String(Math.min(...numbers)) };
  return { kind: 'ADD', amount: exactDecimalSum(numbers) };
}

// The counter updates a batch of new events makes, one per (counter, period), in one fixed order (customer,
// resource, feature, period) so that concurrent batches lock the counters they share in the same order.
export function meteredCounterUpdates(
  events: readonly RawEvent[],
  features: readonly MeteredFeature[],
  usagePeriodSettingOf: (counter: MeteredCounter) => UsagePeriodSetting | undefined,
): MeteredCounterUpdate[] {
  const byEventName = new Map<string, MeteredFeature[]>();
  for (const feature of features) byEventName.set(feature.meter.eventName, [...(byEventName.get(feature.meter.eventName) ?? []), feature]);

  // Per counter: its period rule, read once, and its groups by period; most events fall in the period of the last one.
  type Group = { counter: MeteredCounter; period: UsagePeriod; meter: MeterDefinition; contributions: Contribution[] };
  type CounterGroups = { rule: PeriodRule; byPeriodStart: Map<number, Group>; last: Group | undefined };
  const counters = new Map<string, CounterGroups>();
  const groups: Group[] = [];
  for (const event of events) {
    for (const { meter, meterType } of byEventName.get(event.eventName) ?? []) {
      if (!meterMatches(meter, event)) continue;
      const contribution = contributionOf(meter, event);
      if (contribution === undefined) continue;
      const id = `${event.customerId}\u0000${event.resourceKey}\u0000${meter.featureId}`;
      let ofCounter = counters.get(id);
      if (!ofCounter) {
        const setting = usagePeriodSettingOf({ customerId: event.customerId, resourceKey: event.resourceKey, featureId: meter.featureId });
        ofCounter = { rule: { meterType, resetPeriod: setting?.resetPeriod ?? null, usagePeriodAnchor: setting?.usagePeriodAnchor ?? null }, byPeriodStart: new Map(), last: undefined };
        counters.set(id, ofCounter);
      }
      const at = event.timestamp.getTime();
      let group = ofCounter.last;
      // Periods tile time: the last group's period is this event's when it contains the timestamp.
      if (!group || at < group.period.start.getTime() || at >= group.period.end.getTime()) {
        const period = counterPeriod(ofCounter.rule, event.timestamp);
        group = ofCounter.byPeriodStart.get(period.start.getTime());
        if (!group) {
          group = { counter: { customerId: event.customerId, resourceKey: event.resourceKey, featureId: meter.featureId }, period, meter, contributions: [] };
          ofCounter.byPeriodStart.set(period.start.getTime(), group);
          groups.push(group);
        }
        ofCounter.last = group;
      }
      group.contributions.push(contribution);
    }
  }
  return groups
    .sort((left, right) => compareCounters(left, right))
    .map(({ counter, period, meter, contributions }) => ({ counter, period, tally: tallyOf(meter, contributions) }));
}

export function compareCounters(left: { counter: MeteredCounter; period: UsagePeriod }, right: { counter: MeteredCounter; period: UsagePeriod }): number {
  return (
    compareText(left.counter.customerId, right.counter.customerId) ||
    compareText(left.counter.resourceKey, right.counter.resourceKey) ||
    compareText(left.counter.featureId, right.counter.featureId) ||
    left.period.start.getTime() - right.period.start.getTime()
  );
}

export const compareText = (left: string, right: string): number => (left < right ? -1 : left > right ? 1 : 0);

// A counter change as applied: UNIQUE becomes ADD of the values its period had not seen (`newValues`). A change
// that moves nothing (an ADD of 0) is left out, so it neither writes nor tells the stream.
export type MeteredCounterChange = { counter: MeteredCounter; period: UsagePeriod; kind: 'ADD' | 'MAX' | 'MIN'; amount: string };

export function resolveCounterChanges(updates: readonly MeteredCounterUpdate[], newValues: (update: MeteredCounterUpdate) => number): MeteredCounterChange[] {
  const changes: MeteredCounterChange[] = [];
  for (const update of updates) {
    const { tally } = update;
    const change = tally.kind === 'UNIQUE' ? { kind: 'ADD' as const, amount: String(newValues(update)) } : tally;
    if (change.kind === 'ADD' && isZeroDecimal(change.amount)) continue;
    changes.push({ counter: update.counter, period: update.period, kind: change.kind, amount: change.amount });
  }
  return changes;
}

// "0", "-0", "0e-3": exact decimal text (exactDecimalSum) that is zero.
const isZeroDecimal = (amount: string): boolean => /^-?0(e-?\d+)?$/.test(amount);
