// /v1/products and /v1/prices, with Stripe's validation and price immutability rules.
import type { FormObject } from './form';
import {
  applyMetadata, bool, hash, hashList, int, invalid, list, listExpand, newId, noSuch, nonEmpty, nullableStr, only, oneOf,
  paginate, paramName, required, str, withoutUnexpanded,
  type SandboxObject, type Route, type RouteContext, type Store,
} from './params';

const PRODUCT_FIELDS = ['active', 'description', 'metadata', 'name', 'statement_descriptor', 'tax_code', 'unit_label', 'url'];
const PRODUCT_CREATE = [...PRODUCT_FIELDS, 'expand', 'id', 'images'];
const PRODUCT_UPDATE = [...PRODUCT_FIELDS, 'default_price', 'expand', 'images'];
// Real Stripe params the sandbox does not emulate: fail loudly instead of silently ignoring them.
const PRODUCT_UNMODELED = ['default_price_data', 'marketing_features', 'package_dimensions', 'shippable', 'tax_details'];
const PRICE_CREATE = [
  'active', 'billing_scheme', 'currency', 'currency_options', 'expand', 'lookup_key', 'metadata', 'nickname', 'product',
  'product_data', 'recurring', 'tax_behavior', 'tiers', 'tiers_mode', 'transfer_lookup_key', 'unit_amount', 'unit_amount_decimal',
];
// Amounts, currency, product, recurring and tiers are immutable: Stripe rejects them as unknown params on update.
const PRICE_UPDATE = ['active', 'expand', 'lookup_key', 'metadata', 'nickname', 'tax_behavior', 'transfer_lookup_key'];
// Stripe omits these unless the request has expand[]=tiers / expand[]=currency_options.
const PRICE_INCLUDABLE = ['currency_options', 'tiers'] as const;
const TAX_BEHAVIORS = ['exclusive', 'inclusive', 'unspecified'] as const;

function images(body: FormObject): string[] | undefined {
  const items = list(body, 'images');
  return items === undefined ? undefined : (items ?? []).filter((x): x is string => typeof x === 'string');
}

/** Validates product params without storing, so price product_data can fail before anything is created. */
function buildProduct(store: Store, body: FormObject, at?: string): SandboxObject {
  const requestedId = nonEmpty(body, 'id', at);
  if (requestedId !== undefined && store.products.has(requestedId)) {
    throw invalid('Product already exists.', { code: 'resource_already_exists', param: paramName('id', at) });
  }
  const created = store.nowSeconds();
  return {
    id: requestedId ?? newId('prod', 14), object: 'product', active: bool(body, 'active', at) ?? true, created,
    default_price: null, description: nullableStr(body, 'description', at) ?? null, images: images(body) ?? [],
    livemode: false, marketing_features: [], metadata: applyMetadata({}, body),
    name: required(nonEmpty(body, 'name', at), paramName('name', at)), package_dimensions: null, shippable: null,
    statement_descriptor: nullableStr(body, 'statement_descriptor', at) ?? null, tax_code: nullableStr(body, 'tax_code', at) ?? null,
    type: 'service', unit_label: nullableStr(body, 'unit_label', at) ?? null, updated: created, url: nullableStr(body, 'url', at) ?? null,
  };
}

function getProduct(store: Store, id: string): SandboxObject {
  const product = store.products.get(id);
  if (!product) throw noSuch('product', id);
  return product;
}

function createProduct({ store, body }: RouteContext): SandboxObject {
  only(body, PRODUCT_CREATE, undefined, PRODUCT_UNMODELED);
  const product = buildProduct(store, body);
  store.products.set(product.id, product);
  return structuredClone(product);
}

function updateProduct({ store, id, body }: RouteContext): SandboxObject {
  const current = getProduct(store, id);
  only(body, PRODUCT_UPDATE, undefined, PRODUCT_UNMODELED);
  const name = nonEmpty(body, 'name');
  const defaultPrice = nullableStr(body, 'default_price');
  if (defaultPrice && store.prices.get(defaultPrice)?.product !== id) throw noSuch('price', defaultPrice, 'default_price');
  const patch: Record<string, unknown> = {
    active: bool(body, 'active'), default_price: defaultPrice, description: nullableStr(body, 'description'),
    images: images(body), name, statement_descriptor: nullableStr(body, 'statement_descriptor'),
    tax_code: nullableStr(body, 'tax_code'), unit_label: nullableStr(body, 'unit_label'), url: nullableStr(body, 'url'),
  };
  const next: SandboxObject = { ...current, metadata: applyMetadata(current.metadata, body), updated: store.nowSeconds() };
  for (const [key, value] of Object.entries(patch)) if (value !== undefined) next[key] = value;
  store.products.set(id, next);
  return structuredClone(next);
}

function listProducts({ store, body }: RouteContext): unknown {
  only(body, ['active', 'ending_before', 'expand', 'ids', 'limit', 'starting_after'], undefined, ['created', 'shippable', 'url']);
  const active = bool(body, 'active');
  const ids = list(body, 'ids');
  const all = [...store.products.values()].filter((p) => (active === undefined || p.active === active) && (!ids || ids.includes(p.id)));
  return paginate(all, body, '/v1/products', 'product');
}

interface AmountPair { amount: number | null; decimal: string | null }

/** `unit_amount` / `unit_amount_decimal` (or flat_*): at most one; the decimal string is always filled in. */
function amountPair(body: FormObject, base: 'unit_amount' | 'flat_amount', at?: string): AmountPair {
  const amount = int(body, base, at);
  const decimal = str(body, `${base}_decimal`, at);
  if (amount !== undefined && decimal !== undefined) {
    throw invalid(`You may only specify one of these parameters: ${base}, ${base}_decimal.`, { param: paramName(base, at) });
  }
  if (amount !== undefined) {
    if (amount < 0) throw invalid(`Invalid ${paramName(base, at)}: must be at least 0`, { param: paramName(base, at) });
    return { amount, decimal: String(amount) };
  }
  if (decimal === undefined) return { amount: null, decimal: null };
  if (!/^\d+(\.\d{1,12})?$/.test(decimal)) throw invalid(`Invalid decimal: ${decimal}`, { param: paramName(`${base}_decimal`, at) });
  // Stripe echoes decimals canonically: no leading zeros, no trailing fractional zeros.
  let normalized = decimal.replace(/^0+(?=\d)/, '');
  if (normalized.includes('.')) normalized = normalized.replace(/0+$/, '').replace(/\.$/, '');
  return { amount: /^\d+$/.test(normalized) ? Number(normalized) : null, decimal: normalized };
}

function tiers(body: FormObject, at?: string): Array<Record<string, unknown>> {
  const items = hashList(body, 'tiers', at);
  const name = paramName('tiers', at);
  if (!items || items.length === 0) throw invalid(`Missing required param: ${name}.`, { code: 'parameter_missing', param: name });
  let previous = 0;
  return items.map((tier, i) => {
    const tat = `${name}[${i}]`;
    only(tier, ['flat_amount', 'flat_amount_decimal', 'unit_amount', 'unit_amount_decimal', 'up_to'], tat);
    const last = i === items.length - 1;
    const isInf = required(nonEmpty(tier, 'up_to', tat), `${tat}[up_to]`) === 'inf';
    const upTo = isInf ? null : (int(tier, 'up_to', tat) as number);
    if (isInf !== last) throw invalid('Only the last tier must have `up_to` set to `inf`.', { param: `${tat}[up_to]` });
    if (upTo !== null && upTo <= previous) throw invalid('Tiers must be sorted by ascending `up_to`.', { param: `${tat}[up_to]` });
    previous = upTo ?? previous;
    const unit = amountPair(tier, 'unit_amount', tat);
    const flat = amountPair(tier, 'flat_amount', tat);
    if (unit.decimal === null && flat.decimal === null) {
      throw invalid(`Missing required param: ${tat}[unit_amount].`, { code: 'parameter_missing', param: `${tat}[unit_amount]` });
    }
    return { flat_amount: flat.amount, flat_amount_decimal: flat.decimal, unit_amount: unit.amount, unit_amount_decimal: unit.decimal, up_to: upTo };
  });
}

/** Amount fields for a price or one of its currency_options, checked against its billing scheme. */
function pricing(body: FormObject, scheme: string, at?: string): Record<string, unknown> {
  const unit = amountPair(body, 'unit_amount', at);
  if (scheme === 'tiered') {
    if (unit.decimal !== null) throw invalid('unit_amount cannot be set when billing_scheme is tiered.', { param: paramName('unit_amount', at) });
    return { unit_amount: null, unit_amount_decimal: null, tiers: tiers(body, at) };
  }
  if (body.tiers !== undefined) throw invalid('tiers can only be set when billing_scheme is tiered.', { param: paramName('tiers', at) });
  if (unit.decimal === null) {
    const param = paramName('unit_amount', at);
    throw invalid(`Missing required param: ${param}.`, { code: 'parameter_missing', param });
  }
  return { unit_amount: unit.amount, unit_amount_decimal: unit.decimal };
}

function currency(value: string, param: string): string {
  if (!/^[A-Za-z]{3}$/.test(value)) throw invalid(`Invalid currency: ${value}`, { param });
  return value.toLowerCase();
}

function recurring(body: FormObject): Record<string, unknown> | null {
  const h = hash(body, 'recurring');
  if (!h) return null;
  const at = 'recurring';
  only(h, ['interval', 'interval_count', 'meter', 'trial_period_days', 'usage_type'], at);
  const interval = required(oneOf(h, 'interval', ['day', 'week', 'month', 'year'] as const, at), 'recurring[interval]');
  const count = int(h, 'interval_count', at) ?? 1;
  const max = { day: 365, week: 52, month: 12, year: 1 }[interval];
  if (count < 1 || count > max) throw invalid('The maximum billing period is one year.', { param: 'recurring[interval_count]' });
  return {
    interval, interval_count: count, meter: nullableStr(h, 'meter', at) ?? null,
    trial_period_days: int(h, 'trial_period_days', at) ?? null, usage_type: oneOf(h, 'usage_type', ['licensed', 'metered'], at) ?? 'licensed',
  };
}

/** Stripe's expanded currency_options also lists the price's own currency. */
function currencyOptions(body: FormObject, scheme: string, primary: string, base: Record<string, unknown>): Record<string, unknown> {
  const options: Record<string, unknown> = { [primary]: { custom_unit_amount: null, ...base } };
  for (const [code, value] of Object.entries(hash(body, 'currency_options') ?? {})) {
    const at = `currency_options[${code}]`;
    if (typeof value !== 'object' || Array.isArray(value)) throw invalid('Invalid hash', { param: at });
    only(value, ['tax_behavior', 'tiers', 'unit_amount', 'unit_amount_decimal'], at, ['custom_unit_amount']);
    const taxBehavior = oneOf(value, 'tax_behavior', TAX_BEHAVIORS, at) ?? base.tax_behavior;
    options[currency(code, at)] = { custom_unit_amount: null, tax_behavior: taxBehavior, ...pricing(value, scheme, at) };
  }
  return options;
}

/** Returns the price currently holding `key` if it may be taken over; throws if it may not. */
function lookupKeyHolder(store: Store, key: string | null | undefined, transfer: boolean, selfId?: string): SandboxObject | undefined {
  if (!key) return undefined;
  const holder = [...store.prices.values()].find((p) => p.lookup_key === key && p.id !== selfId);
  if (holder && !transfer) throw invalid(`A price (\`${holder.id}\`) already uses that lookup key.`, { param: 'lookup_key' });
  return holder;
}

function getPrice(store: Store, id: string): SandboxObject {
  const price = store.prices.get(id);
  if (!price) throw noSuch('price', id);
  return price;
}

function viewPrice(store: Store, price: SandboxObject, expand: readonly string[]): SandboxObject {
  const out = withoutUnexpanded(price, PRICE_INCLUDABLE, expand);
  const product = store.products.get(String(price.product));
  if (expand.includes('product') && product) out.product = structuredClone(product);
  return out;
}

function createPrice({ store, body, expand }: RouteContext): SandboxObject {
  only(body, PRICE_CREATE, undefined, ['custom_unit_amount', 'transform_quantity']);
  const code = currency(required(nonEmpty(body, 'currency'), 'currency'), 'currency');
  const productId = nonEmpty(body, 'product');
  const productData = hash(body, 'product_data');
  if (productId !== undefined && productData) throw invalid('You may only specify one of these parameters: product, product_data.', { param: 'product' });
  if (productId !== undefined && !store.products.has(productId)) throw noSuch('product', productId, 'product');
  if (productData) only(productData, ['active', 'id', 'metadata', 'name', 'statement_descriptor', 'tax_code', 'unit_label'], 'product_data');
  const inlineProduct = productData ? buildProduct(store, productData, 'product_data') : undefined;
  const product = required(productId ?? inlineProduct?.id, 'product');
  const scheme = oneOf(body, 'billing_scheme', ['per_unit', 'tiered']) ?? 'per_unit';
  const tiersMode = oneOf(body, 'tiers_mode', ['graduated', 'volume']) ?? null;
  if (scheme === 'tiered') required(tiersMode, 'tiers_mode');
  else if (tiersMode) throw invalid('tiers_mode can only be set when billing_scheme is tiered.', { param: 'tiers_mode' });
  const taxBehavior = oneOf(body, 'tax_behavior', TAX_BEHAVIORS) ?? 'unspecified';
  const { tiers: priceTiers, ...amounts } = pricing(body, scheme);
  const lookupKey = nullableStr(body, 'lookup_key') ?? null;
  const holder = lookupKeyHolder(store, lookupKey, bool(body, 'transfer_lookup_key') ?? false);
  const base = { tax_behavior: taxBehavior, ...amounts, ...(priceTiers ? { tiers: priceTiers } : {}) };
  const recurringValue = recurring(body);
  const price: SandboxObject = {
    id: newId('price', 24), object: 'price', active: bool(body, 'active') ?? true, billing_scheme: scheme, created: store.nowSeconds(),
    currency: code, currency_options: currencyOptions(body, scheme, code, base), custom_unit_amount: null, livemode: false,
    lookup_key: lookupKey, metadata: applyMetadata({}, body), nickname: nullableStr(body, 'nickname') ?? null, product,
    recurring: recurringValue, tax_behavior: taxBehavior, ...(priceTiers ? { tiers: priceTiers } : {}), tiers_mode: tiersMode,
    transform_quantity: null, type: recurringValue ? 'recurring' : 'one_time', ...amounts,
  };
  // Everything is validated above; only now mutate state so a 400 leaves no trace.
  if (inlineProduct) store.products.set(inlineProduct.id, inlineProduct);
  if (holder) store.prices.set(holder.id, { ...holder, lookup_key: null });
  store.prices.set(price.id, price);
  return viewPrice(store, price, expand);
}

function updatePrice({ store, id, body, expand }: RouteContext): SandboxObject {
  const current = getPrice(store, id);
  only(body, PRICE_UPDATE, undefined, ['currency_options']);
  const taxBehavior = oneOf(body, 'tax_behavior', TAX_BEHAVIORS);
  if (taxBehavior && current.tax_behavior !== 'unspecified' && taxBehavior !== current.tax_behavior) {
    throw invalid('tax_behavior cannot be changed once it is set to inclusive or exclusive.', { param: 'tax_behavior' });
  }
  const lookupKey = nullableStr(body, 'lookup_key');
  const holder = lookupKeyHolder(store, lookupKey, bool(body, 'transfer_lookup_key') ?? false, id);
  const patch: Record<string, unknown> = { active: bool(body, 'active'), lookup_key: lookupKey, nickname: nullableStr(body, 'nickname'), tax_behavior: taxBehavior };
  const next: SandboxObject = { ...current, metadata: applyMetadata(current.metadata, body) };
  for (const [key, value] of Object.entries(patch)) if (value !== undefined) next[key] = value;
  if (holder) store.prices.set(holder.id, { ...holder, lookup_key: null });
  store.prices.set(id, next);
  return viewPrice(store, next, expand);
}

function listPrices({ store, body, expand }: RouteContext): unknown {
  only(body, ['active', 'currency', 'ending_before', 'expand', 'limit', 'lookup_keys', 'product', 'starting_after', 'type'], undefined, ['created', 'recurring']);
  // Stripe's list returns active prices unless active=false is passed.
  const active = bool(body, 'active') ?? true;
  const code = str(body, 'currency')?.toLowerCase();
  const product = str(body, 'product');
  const type = oneOf(body, 'type', ['one_time', 'recurring']);
  const keys = list(body, 'lookup_keys');
  const all = [...store.prices.values()].filter((p) => p.active === active && (code === undefined || p.currency === code)
    && (product === undefined || p.product === product) && (type === undefined || p.type === type)
    && (!keys || (typeof p.lookup_key === 'string' && keys.includes(p.lookup_key))));
  const page = paginate(all, body, '/v1/prices', 'price');
  return { ...page, data: page.data.map((p) => viewPrice(store, p, listExpand(expand))) };
}

export const catalogRoutes: readonly Route[] = [
  ['POST', '/v1/products', createProduct],
  ['GET', '/v1/products', listProducts],
  ['GET', '/v1/products/:id', ({ store, id, body }) => (only(body, ['expand']), structuredClone(getProduct(store, id)))],
  ['POST', '/v1/products/:id', updateProduct],
  ['POST', '/v1/prices', createPrice],
  ['GET', '/v1/prices', listPrices],
  ['GET', '/v1/prices/:id', ({ store, id, body, expand }) => (only(body, ['expand']), viewPrice(store, getPrice(store, id), expand))],
  ['POST', '/v1/prices/:id', updatePrice],
];
