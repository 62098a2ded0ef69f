// Shared pieces for the sandbox's resources: store shape, Stripe-style errors, param readers, lists.
import { randomBytes } from 'node:crypto';
import type { FormObject, FormValue } from './form';

/** A stored object as the sandbox keeps it: JSON-only, shaped like the Stripe API resource. */
export interface StoredObject {
  id: string;
  object: string;
  created: number;
  livemode: false;
  [field: string]: unknown;
}

/** Most resources also carry metadata; tax ids are the exception. */
export interface SandboxObject extends StoredObject {
  metadata: Record<string, string>;
}

/** Stripe's Discount has neither `created` nor `livemode` nor metadata. */
export interface DiscountObject {
  id: string;
  object: 'discount';
  [field: string]: unknown;
}

export interface Store {
  customers: Map<string, SandboxObject>;
  products: Map<string, SandboxObject>;
  prices: Map<string, SandboxObject>;
  paymentMethods: Map<string, SandboxObject>;
  taxIds: Map<string, StoredObject>;
  taxRates: Map<string, SandboxObject>;
  coupons: Map<string, SandboxObject>;
  promotionCodes: Map<string, SandboxObject>;
  /** Discount objects (`di_…`) made when a coupon or promotion code is redeemed; no metadata. */
  discounts: Map<string, DiscountObject>;
  subscriptions: Map<string, SandboxObject>;
  invoices: Map<string, SandboxObject>;
  /** Invoice items (`ii_…`): proration lines waiting for the next invoice (`invoice: null`) or already billed. */
  invoiceItems: Map<string, SandboxObject>;
  /** Sandbox-only test control, keyed by customer id: that customer's next charge is declined (see collection.ts). */
  scheduledDeclines: Map<string, StoredObject>;
  checkoutSessions: Map<string, SandboxObject>;
  events: Map<string, StoredObject>;
  /** Current time in unix seconds, from the injectable clock. */
  nowSeconds(): number;
  /** Called with every event recorded (webhook delivery hangs off it). */
  onEvent(event: StoredObject): void;
  /** How many webhook endpoints an event is sent to (its `pending_webhooks`). */
  countWebhookEndpoints(): number;
}

/** The API request a change happened in, as Stripe reports it on events (`request: { id, idempotency_key }`). */
export interface RequestInfo {
  id: string | null;
  idempotencyKey: string | null;
}

export interface StripeErrorBody {
  type: string;
  message: string;
  code?: string;
  /** Card errors only: the issuer's reason, e.g. insufficient_funds. */
  decline_code?: string;
  param?: string;
  doc_url?: string;
}

export class SandboxError extends Error {
  constructor(
    readonly status: number,
    readonly body: StripeErrorBody,
  ) {
    super(body.message);
  }
}

export function invalid(message: string, extra: { code?: string; param?: string } = {}, status = 400): SandboxError {
  const docUrl = extra.code ? { doc_url: `https://stripe.com/docs/error-codes/${extra.code.replace(/_/g, '-')}` } : {};
  return new SandboxError(status, { type: 'invalid_request_error', message, ...extra, ...docUrl });
}

/** 404 when the id is in the URL; 400 with `param` when a body param points at a missing object, like Stripe. */
export function noSuch(kind: string, id: string, param = 'id'): SandboxError {
  return invalid(`No such ${kind}: '${id}'`, { code: 'resource_missing', param }, param === 'id' ? 404 : 400);
}

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
export function newId(prefix: string, length: number): string {
  const bytes = randomBytes(length);
  let out = '';
  for (const byte of bytes) out += BASE62[byte % BASE62.length];
  return `${prefix}_${out}`;
}

export const paramName = (key: string, at?: string): string => (at ? `${at}[${key}]` : key);

/** Rejects params this endpoint does not take, with Stripe's parameter_unknown error. */
export function only(body: FormObject, allowed: readonly string[], at?: string, unmodeled: readonly string[] = []): void {
  for (const key of Object.keys(body)) {
    const param = paramName(key, at);
    if (unmodeled.includes(key)) {
      throw invalid(`the Stripe sandbox does not model the real Stripe parameter: ${param}`, { code: 'sandbox_unsupported', param });
    }
    if (!allowed.includes(key)) throw invalid(`Received unknown parameter: ${param}`, { code: 'parameter_unknown', param });
  }
}

export function required<T>(value: T | null | undefined, param: string): T {
  if (value === undefined || value === null) {
    throw invalid(`Missing required param: ${param}.`, { code: 'parameter_missing', param });
  }
  return value;
}

/** undefined = absent; '' stays '' so callers decide whether it means "unset". */
export function str(body: FormObject, key: string, at?: string): string | undefined {
  const value = body[key];
  if (value === undefined || typeof value === 'string') return value;
  throw invalid(`Invalid string: ${JSON.stringify(value)}`, { param: paramName(key, at) });
}

/** A string that cannot be unset: '' gets Stripe's parameter_invalid_empty error. */
export function nonEmpty(body: FormObject, key: string, at?: string): string | undefined {
  const value = str(body, key, at);
  if (value !== '') return value;
  const param = paramName(key, at);
  throw invalid(
    `You passed an empty string for '${param}'. We assume empty values are an attempt to unset a parameter; however '${param}' cannot be unset. You should remove '${param}' from your request or supply a non-empty value.`,
    { code: 'parameter_invalid_empty', param },
  );
}

/** Emptyable string field: '' unsets it (null). */
export function nullableStr(body: FormObject, key: string, at?: string): string | null | undefined {
  const value = str(body, key, at);
  return value === '' ? null : value;
}

export function int(body: FormObject, key: string, at?: string): number | undefined {
  const value = str(body, key, at);
  if (value === undefined) return undefined;
  if (/^-?\d+$/.test(value)) return Number(value);
  throw invalid(`Invalid integer: ${value}`, { code: 'parameter_invalid_integer', param: paramName(key, at) });
}

/** A decimal number such as a percentage (`12.5`). */
export function decimal(body: FormObject, key: string, at?: string): number | undefined {
  const value = str(body, key, at);
  if (value === undefined) return undefined;
  if (/^-?\d+(\.\d+)?$/.test(value)) return Number(value);
  throw invalid(`Invalid decimal: ${value}`, { param: paramName(key, at) });
}

export function bool(body: FormObject, key: string, at?: string): boolean | undefined {
  const value = str(body, key, at);
  if (value === undefined) return undefined;
  if (value === 'true' || value === 'false') return value === 'true';
  throw invalid(`Invalid boolean: ${value}`, { param: paramName(key, at) });
}

export function oneOf<T extends string>(body: FormObject, key: string, values: readonly T[], at?: string): T | undefined {
  const value = str(body, key, at);
  if (value === undefined) return undefined;
  if ((values as readonly string[]).includes(value)) return value as T;
  throw invalid(`Invalid ${paramName(key, at)}: must be one of ${values.join(', ')}`, { param: paramName(key, at) });
}

/** Hash param; '' means "unset" (null). */
export function hash(body: FormObject, key: string, at?: string): FormObject | null | undefined {
  const value = body[key];
  if (value === undefined) return undefined;
  if (value === '') return null;
  if (typeof value === 'object' && !Array.isArray(value)) return value;
  throw invalid(`Invalid hash`, { param: paramName(key, at) });
}

const ADDRESS_FIELDS = ['city', 'country', 'line1', 'line2', 'postal_code', 'state'] as const;
export type Address = Record<(typeof ADDRESS_FIELDS)[number], string | null>;
export const EMPTY_ADDRESS: Address = { city: null, country: null, line1: null, line2: null, postal_code: null, state: null };

/** Stripe address hash: every field present in the output, null when not sent. */
export function address(body: FormObject, key: string, at?: string): Address | null | undefined {
  const h = hash(body, key, at);
  if (!h) return h;
  const name = paramName(key, at);
  only(h, ADDRESS_FIELDS, name);
  const entries = ADDRESS_FIELDS.map((f) => [f, nullableStr(h, f, name) ?? null] as const);
  return Object.fromEntries(entries) as Address;
}

/** Array param; '' means "unset" (null). Accepts sparse `x[0]`,`x[2]` objects too. */
export function list(body: FormObject, key: string, at?: string): FormValue[] | null | undefined {
  const value = body[key];
  if (value === undefined) return undefined;
  if (value === '') return null;
  if (Array.isArray(value)) return value;
  if (typeof value === 'object' && Object.keys(value).every((k) => /^\d+$/.test(k))) {
    return Object.keys(value)
      .sort((a, b) => Number(a) - Number(b))
      .map((k) => value[k] as FormValue);
  }
  throw invalid(`Invalid array`, { param: paramName(key, at) });
}

/** Array of hashes, e.g. tiers[0][up_to]; each element is checked to be a hash. */
export function hashList(body: FormObject, key: string, at?: string): FormObject[] | null | undefined {
  const items = list(body, key, at);
  if (!items) return items;
  return items.map((item, i) => {
    if (typeof item === 'object' && !Array.isArray(item)) return item;
    throw invalid('Invalid hash', { param: `${paramName(key, at)}[${i}]` });
  });
}

export function expandList(body: FormObject): string[] {
  const items = list(body, 'expand') ?? [];
  return items.filter((x): x is string => typeof x === 'string');
}

/** Stripe metadata rules: merge keys, '' removes a key, a bare `metadata=` clears everything. */
export function applyMetadata(current: Record<string, string>, body: FormObject): Record<string, string> {
  const value = body.metadata;
  if (value === undefined) return current;
  if (value === '') return {};
  if (typeof value === 'string') throw invalid('Invalid hash', { param: 'metadata' });
  const next = { ...current };
  for (const [key, v] of Object.entries(value)) {
    if (typeof v !== 'string') throw invalid(`Invalid value for metadata key ${key}: must be a string`, { param: `metadata[${key}]` });
    if (key.length > 40) throw invalid('Metadata keys can have up to 40 characters.', { param: `metadata[${key}]` });
    if (v.length > 500) throw invalid('Metadata values can have up to 500 characters.', { param: `metadata[${key}]` });
    if (v === '') delete next[key];
    else next[key] = v;
  }
  if (Object.keys(next).length > 50) throw invalid('You can have up to 50 metadata keys.', { param: 'metadata' });
  return next;
}

/** Stripe list envelope, newest first, with limit / starting_after / ending_before cursors. */
export function paginate<T extends StoredObject>(items: T[], body: FormObject, url: string, kind: string): { object: 'list'; data: T[]; has_more: boolean; url: string } {
  const limit = int(body, 'limit') ?? 10;
  if (limit < 1 || limit > 100) throw invalid('Invalid limit: must be between 1 and 100', { param: 'limit' });
  const newestFirst = [...items].reverse();
  const after = str(body, 'starting_after');
  const before = str(body, 'ending_before');
  const cursorIndex = (id: string, param: string): number => {
    const index = newestFirst.findIndex((o) => o.id === id);
    if (index === -1) throw noSuch(kind, id, param);
    return index;
  };
  let window = newestFirst;
  if (after) window = newestFirst.slice(cursorIndex(after, 'starting_after') + 1);
  else if (before) {
    const upTo = newestFirst.slice(0, cursorIndex(before, 'ending_before'));
    return { object: 'list', data: upTo.slice(-limit), has_more: upTo.length > limit, url };
  }
  return { object: 'list', data: window.slice(0, limit), has_more: window.length > limit, url };
}

/** Drops "includable" fields (not returned unless expanded), as Stripe does. */
export function withoutUnexpanded(obj: SandboxObject, includable: readonly string[], expand: readonly string[]): SandboxObject {
  const copy: SandboxObject = structuredClone(obj);
  for (const field of includable) if (!expand.includes(field)) delete copy[field];
  return copy;
}

/** Refuses an expand path the sandbox does not model (Stripe could expand it; the sandbox says so instead of ignoring it). */
export function checkExpand(expand: readonly string[], allowed: readonly string[]): void {
  for (const path of expand) {
    if (!allowed.includes(path)) throw invalid(`the Stripe sandbox does not expand ${path}`, { code: 'sandbox_unsupported', param: 'expand' });
  }
}

/** For list endpoints, `expand[]=data.tiers` applies `tiers` to every element. */
export const listExpand = (expand: readonly string[]): string[] =>
  expand.filter((e) => e.startsWith('data.')).map((e) => e.slice('data.'.length));

export interface RouteContext {
  store: Store;
  /** The `:id` path segment, or '' for collection routes. */
  id: string;
  /** A second path segment such as `:taxId` in /v1/customers/:id/tax_ids/:taxId, else ''. */
  subId: string;
  body: FormObject;
  expand: string[];
  request: RequestInfo;
  /** The sandbox's public base URL (hosted checkout pages live under it). */
  publicUrl: string;
}
export type Route = readonly [method: 'GET' | 'POST' | 'DELETE', pattern: string, handler: (ctx: RouteContext) => unknown];
