import { sql, type RawBuilder } from 'kysely';
import type { MeterDefinition } from '../../domain/catalog/catalogDocument';
import type { MeterFilter } from '../../domain/usage/meterFilters';

// A meter in SQL over raw_events.dimensions (jsonb), with the rules of src/domain/usage/meterFilters.ts: jsonb
// compares by type and value like the domain does (1 = 1.0, 1 <> '"1"'), and order comparisons need two numbers.
const dimension = (name: string) => sql`raw_events.dimensions -> ${name}::text`;
const candidates = (filter: MeterFilter) => sql`jsonb_array_elements(${JSON.stringify(filter.values)}::jsonb)`;

const ORDER = { GT: sql`>`, GTE: sql`>=`, LT: sql`<`, LTE: sql`<=` } as const;

function filterCondition(filter: MeterFilter): RawBuilder<boolean> {
  const value = dimension(filter.dimension);
  const equalsOne = sql<boolean>`exists (select 1 from ${candidates(filter)} as candidate where candidate = ${value})`;
  switch (filter.operator) {
    case 'EXISTS':
      return sql`raw_events.dimensions ? ${filter.dimension}::text`;
    case 'NOT_EXISTS':
      return sql`not (raw_events.dimensions ? ${filter.dimension}::text)`;
    case 'EQUALS':
    case 'IN':
      return equalsOne;
    case 'NOT_EQUALS':
    case 'NOT_IN':
      return sql`not ${equalsOne}`;
    default:
      // Both sides are numbers before jsonb's order applies (across types it would order strings below numbers).
      return sql`exists (select 1 from ${candidates(filter)} as candidate
        where jsonb_typeof(candidate) = 'number' and jsonb_typeof(${value}) = 'number' and ${value} ${ORDER[filter.operator]} candidate)`;
  }
}

// All the meter's filters (true without any).
export function meterFiltersCondition(meter: Pick<MeterDefinition, 'filters'>): RawBuilder<boolean> {
  if (meter.filters.length === 0) return sql`true`;
  return sql`(${sql.join(meter.filters.map(filterCondition), sql` and `)})`;
}

// The field as a number, null when missing or not a number (such events do not count in SUM, MAX or MIN).
const numericField = (field: string) => sql`case when jsonb_typeof(${dimension(field)}) = 'number' then (${dimension(field)} #>> '{}')::numeric end`;

// The meter's aggregate over the selected events: 0 when none counts.
export function meterAggregate(meter: Pick<MeterDefinition, 'aggregation'>): RawBuilder<number> {
  const { function: aggregation, field = '' } = meter.aggregation;
  switch (aggregation) {
    case 'COUNT':
      return sql`count(*)`;
    case 'SUM':
      return sql`coalesce(sum(${numericField(field)}), 0)`;
    case 'MAX':
      return sql`coalesce(max(${numericField(field)}), 0)`;
    case 'MIN':
      return sql`coalesce(min(${numericField(field)}), 0)`;
    case 'UNIQUE':
      return sql`count(distinct ${dimension(field)})`;
  }
}

// How many of the selected events the meter counts (those with a usable field): a MAX or MIN over none has no value.
export function meterContributions(meter: Pick<MeterDefinition, 'aggregation'>): RawBuilder<number> {
  const { function: aggregation, field = '' } = meter.aggregation;
  if (aggregation === 'COUNT') return sql`count(*)`;
  if (aggregation === 'UNIQUE') return sql`count(${dimension(field)})`;
  return sql`count(${numericField(field)})`;
}
