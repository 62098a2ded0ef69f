// /v1/tax_rates: manual percentage tax rates, inclusive or exclusive, applied to subscription invoices.
import {
  applyMetadata, bool, decimal, invalid, newId, noSuch, nonEmpty, nullableStr, only, paginate, required,
  type Route, type RouteContext, type SandboxObject, type Store,
} from './params';
import type { FormObject } from './form';

const TAX_TYPES = `admissions_tax amusement_tax attendance_tax communications_tax digital_excise_tax entertainment_tax get_fund
  gross_receipts_tax gst hospitality_tax hst igst jct lease_tax luxury_tax mass_transit_parking_tax nhil parking_tax pst qst
  resort_tax retail_delivery_fee rst sales_tax service_tax tourism_tax utility_users_tax vat`.split(/\s+/);
const CREATE_PARAMS = ['active', 'country', 'description', 'display_name', 'expand', 'inclusive', 'jurisdiction', 'metadata', 'percentage', 'state', 'tax_type'];
const UPDATE_PARAMS = CREATE_PARAMS.filter((p) => p !== 'inclusive' && p !== 'percentage');

function displayName(body: FormObject): string | undefined {
  const name = nonEmpty(body, 'display_name');
  if (name !== undefined && name.length > 50) throw invalid('display_name must be at most 50 characters.', { param: 'display_name' });
  return name;
}

function taxType(body: FormObject): string | null | undefined {
  const type = nullableStr(body, 'tax_type');
  if (type && !TAX_TYPES.includes(type)) throw invalid(`Invalid tax_type: must be one of ${TAX_TYPES.join(', ')}`, { param: 'tax_type' });
  return type;
}

export function getTaxRate(store: Store, id: string, param = 'id'): SandboxObject {
  const rate = store.taxRates.get(id);
  if (!rate) throw noSuch('tax rate', id, param);
  return rate;
}

/** A list param of tax rate ids (e.g. default_tax_rates), resolved to the stored rates; inactive ones are refused like Stripe. */
export function taxRateList(store: Store, value: unknown, param: string): SandboxObject[] {
  if (value === undefined || value === '') return [];
  if (!Array.isArray(value)) throw invalid('Invalid array', { param });
  return value.map((id, i) => {
    if (typeof id !== 'string') throw invalid('Invalid string', { param: `${param}[${i}]` });
    const rate = getTaxRate(store, id, `${param}[${i}]`);
    if (rate.active !== true) throw invalid(`Tax rate ${id} is inactive and cannot be applied.`, { param: `${param}[${i}]` });
    return rate;
  });
}

function create({ store, body }: RouteContext): SandboxObject {
  only(body, CREATE_PARAMS);
  const percentage = required(decimal(body, 'percentage'), 'percentage');
  if (percentage < 0 || percentage > 100) throw invalid('percentage must be between 0 and 100.', { param: 'percentage' });
  const rate: SandboxObject = {
    id: newId('txr', 24), object: 'tax_rate', active: bool(body, 'active') ?? true, country: nullableStr(body, 'country') ?? null,
    created: store.nowSeconds(), description: nullableStr(body, 'description') ?? null,
    display_name: required(displayName(body), 'display_name'), effective_percentage: percentage, flat_amount: null,
    inclusive: required(bool(body, 'inclusive'), 'inclusive'), jurisdiction: nullableStr(body, 'jurisdiction') ?? null,
    jurisdiction_level: null, livemode: false, metadata: applyMetadata({}, body), percentage, rate_type: 'percentage',
    state: nullableStr(body, 'state') ?? null, tax_type: taxType(body) ?? null,
  };
  store.taxRates.set(rate.id, rate);
  return structuredClone(rate);
}

function update({ store, id, body }: RouteContext): SandboxObject {
  const current = getTaxRate(store, id);
  only(body, UPDATE_PARAMS);
  const patch: Record<string, unknown> = {
    active: bool(body, 'active'), country: nullableStr(body, 'country'), description: nullableStr(body, 'description'),
    display_name: displayName(body), jurisdiction: nullableStr(body, 'jurisdiction'), state: nullableStr(body, 'state'), tax_type: taxType(body),
  };
  const next: SandboxObject = { ...current, metadata: applyMetadata(current.metadata, body) };
  for (const [key, value] of Object.entries(patch)) if (value !== undefined) next[key] = value;
  store.taxRates.set(id, next);
  return structuredClone(next);
}

function list({ store, body }: RouteContext): unknown {
  only(body, ['active', 'ending_before', 'expand', 'inclusive', 'limit', 'starting_after'], undefined, ['created']);
  const active = bool(body, 'active');
  const inclusive = bool(body, 'inclusive');
  const all = [...store.taxRates.values()].filter((r) => (active === undefined || r.active === active) && (inclusive === undefined || r.inclusive === inclusive));
  return paginate(all, body, '/v1/tax_rates', 'tax rate');
}

export const taxRateRoutes: readonly Route[] = [
  ['POST', '/v1/tax_rates', create],
  ['GET', '/v1/tax_rates', list],
  ['GET', '/v1/tax_rates/:id', ({ store, id, body }) => (only(body, ['expand']), structuredClone(getTaxRate(store, id)))],
  ['POST', '/v1/tax_rates/:id', update],
];
