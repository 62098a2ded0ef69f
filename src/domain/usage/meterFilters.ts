import type { MeterDefinition } from '../catalog/catalogDocument';
import type { DimensionValue, RawEvent } from './rawEventInput';

export type MeterFilter = MeterDefinition['filters'][number];

// Values compare by type and value: 1 equals 1.0 but not "1". A filter with several values matches when the
// dimension matches any of them; each NOT_ operator is the exact negation of its positive one, so an event without
// the dimension matches NOT_EQUALS and NOT_IN. Order comparisons (GT, GTE, LT, LTE) hold only between numbers.
// The SQL translation (src/db/repositories/meterSql.ts) follows the same rules; a property test keeps them together.
export function filterMatches(filter: MeterFilter, dimensions: RawEvent['dimensions']): boolean {
  const present = Object.hasOwn(dimensions, filter.dimension);
  const value = present ? dimensions[filter.dimension] : undefined;
  switch (filter.operator) {
    case 'EXISTS':
      return present;
    case 'NOT_EXISTS':
      return !present;
    case 'EQUALS':
    case 'IN':
      return value !== undefined && filter.values.some((candidate) => candidate === value);
    case 'NOT_EQUALS':
    case 'NOT_IN':
      return !(value !== undefined && filter.values.some((candidate) => candidate === value));
    case 'GT':
      return comparesTo(value, filter.values, (left, right) => left > right);
    case 'GTE':
      return comparesTo(value, filter.values, (left, right) => left >= right);
    case 'LT':
      return comparesTo(value, filter.values, (left, right) => left < right);
    case 'LTE':
      return comparesTo(value, filter.values, (left, right) => left <= right);
  }
}

function comparesTo(value: DimensionValue | undefined, candidates: readonly DimensionValue[], holds: (left: number, right: number) => boolean) {
  return typeof value === 'number' && candidates.some((candidate) => typeof candidate === 'number' && holds(value, candidate));
}

// Whether a meter counts an event: its event name, and every filter.
export function meterMatches(meter: Pick<MeterDefinition, 'eventName' | 'filters'>, event: Pick<RawEvent, 'eventName' | 'dimensions'>): boolean {
  return meter.eventName === event.eventName && meter.filters.every((filter) => filterMatches(filter, event.dimensions));
}
