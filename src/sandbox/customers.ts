// /v1/customers: create, retrieve, update (metadata merge), list.
import type { FormObject } from './form';
import {
  address, applyMetadata, hash, hashList, int, invalid, list, listExpand, newId, noSuch, nonEmpty, nullableStr, only,
  oneOf, paginate, required, str, withoutUnexpanded,
  type SandboxObject, type Route, type RouteContext, type Store,
} from './params';
import { recordEvent } from './events';
import { checkDefaultPaymentMethod, prepareAttach } from './paymentMethods';
import { buildTaxId, embeddedTaxIds } from './taxIds';

const CREATE_PARAMS = [
  'address', 'balance', 'description', 'email', 'expand', 'invoice_prefix', 'invoice_settings', 'metadata', 'name',
  'next_invoice_sequence', 'payment_method', 'phone', 'preferred_locales', 'shipping', 'tax_exempt', 'tax_id_data',
];
// Stripe only takes tax_id_data / payment_method on create; on update they are unknown params.
const UPDATE_PARAMS = CREATE_PARAMS.filter((p) => p !== 'tax_id_data' && p !== 'payment_method');
// Real Stripe params the sandbox deliberately does not emulate: fail loudly instead of silently ignoring them.
const UNMODELED = [
  'business_name', 'cash_balance', 'coupon', 'default_source', 'individual_name', 'promotion_code', 'source', 'tax',
  'test_clock', 'validate',
];
// tax_ids is "includable": Stripe omits it unless the request has expand[]=tax_ids (since 2020-08-27).
const INCLUDABLE = ['tax_ids'] as const;

function shipping(body: FormObject): Record<string, unknown> | null | undefined {
  const h = hash(body, 'shipping');
  if (!h) return h;
  only(h, ['address', 'name', 'phone'], 'shipping');
  return {
    address: required(address(h, 'address', 'shipping'), 'shipping[address]'),
    name: required(nullableStr(h, 'name', 'shipping'), 'shipping[name]'),
    phone: nullableStr(h, 'phone', 'shipping') ?? null,
  };
}

function email(body: FormObject): string | null | undefined {
  const value = nullableStr(body, 'email');
  if (value && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(value)) {
    throw invalid(`Invalid email address: ${value}`, { code: 'email_invalid', param: 'email' });
  }
  return value;
}

function locales(body: FormObject): string[] | undefined {
  const items = list(body, 'preferred_locales');
  if (items === undefined) return undefined;
  return (items ?? []).map((item, i) => {
    if (typeof item === 'string') return item;
    throw invalid('Invalid string', { param: `preferred_locales[${i}]` });
  });
}

interface InvoiceSettings {
  custom_fields: Array<{ name: string; value: string }> | null;
  default_payment_method: string | null;
  footer: string | null;
  rendering_options: { amount_tax_display: string | null; template: string | null } | null;
}
const EMPTY_INVOICE_SETTINGS: InvoiceSettings = { custom_fields: null, default_payment_method: null, footer: null, rendering_options: null };

/** invoice_settings sub-fields update independently; custom_fields is replaced as a whole. */
function invoiceSettings(current: InvoiceSettings, body: FormObject): InvoiceSettings {
  const h = hash(body, 'invoice_settings');
  if (h === undefined) return current;
  if (h === null) throw invalid('Invalid hash', { param: 'invoice_settings' });
  const at = 'invoice_settings';
  only(h, ['custom_fields', 'default_payment_method', 'footer', 'rendering_options'], at);
  const next = { ...current };
  const fields = hashList(h, 'custom_fields', at);
  if (fields !== undefined) {
    if (fields && fields.length > 4) throw invalid('You can have at most 4 custom fields.', { param: `${at}[custom_fields]` });
    next.custom_fields = fields?.map((field, i) => {
      const fat = `${at}[custom_fields][${i}]`;
      only(field, ['name', 'value'], fat);
      const name = required(nonEmpty(field, 'name', fat), `${fat}[name]`);
      const value = required(nonEmpty(field, 'value', fat), `${fat}[value]`);
      if (name.length > 40 || value.length > 140) throw invalid('Custom field name is limited to 40 and value to 140 characters.', { param: fat });
      return { name, value };
    }) ?? null;
  }
  const pm = nullableStr(h, 'default_payment_method', at);
  if (pm !== undefined) next.default_payment_method = pm;
  const footer = nullableStr(h, 'footer', at);
  if (footer !== undefined) next.footer = footer;
  const rendering = hash(h, 'rendering_options', at);
  if (rendering !== undefined) {
    const rat = `${at}[rendering_options]`;
    if (rendering) only(rendering, ['amount_tax_display', 'template'], rat);
    next.rendering_options = rendering && {
      amount_tax_display: nullableStr(rendering, 'amount_tax_display', rat) ?? null,
      template: nullableStr(rendering, 'template', rat) ?? null,
    };
  }
  return next;
}

function getCustomer(store: Store, id: string): SandboxObject {
  const customer = store.customers.get(id);
  if (!customer) throw noSuch('customer', id);
  return customer;
}

const view = (customer: SandboxObject, expand: readonly string[]): SandboxObject => withoutUnexpanded(customer, INCLUDABLE, expand);

function create({ store, body, expand, request }: RouteContext): SandboxObject {
  only(body, CREATE_PARAMS, undefined, UNMODELED);
  const id = newId('cus', 14);
  const created = store.nowSeconds();
  const customer: SandboxObject = {
    id, object: 'customer', address: address(body, 'address') ?? null, balance: int(body, 'balance') ?? 0, created,
    currency: null, default_source: null, delinquent: false, description: nullableStr(body, 'description') ?? null,
    discount: null, email: email(body) ?? null,
    invoice_prefix: str(body, 'invoice_prefix') || newId('x', 8).slice(2).toUpperCase(),
    invoice_settings: invoiceSettings(EMPTY_INVOICE_SETTINGS, body), livemode: false, metadata: applyMetadata({}, body),
    name: nullableStr(body, 'name') ?? null, next_invoice_sequence: int(body, 'next_invoice_sequence') ?? 1,
    phone: nullableStr(body, 'phone') ?? null, preferred_locales: locales(body) ?? [], shipping: shipping(body) ?? null,
    tax_exempt: oneOf(body, 'tax_exempt', ['none', 'exempt', 'reverse']) ?? 'none', test_clock: null,
  };
  const taxIds = (hashList(body, 'tax_id_data') ?? []).map((item, i) => {
    only(item, ['type', 'value'], `tax_id_data[${i}]`);
    return buildTaxId(store, id, item, `tax_id_data[${i}]`);
  });
  const pmParam = nonEmpty(body, 'payment_method');
  const attached = pmParam === undefined ? undefined : prepareAttach(store, pmParam, id, 'payment_method');
  const settings = customer.invoice_settings as InvoiceSettings;
  const wantedDefault = settings.default_payment_method;
  // Naming the same pm as `payment_method` means the attached one (for a magic id, its freshly minted pm_ id).
  if (attached && wantedDefault === pmParam) customer.invoice_settings = { ...settings, default_payment_method: attached.id };
  else if (wantedDefault !== null) checkDefaultPaymentMethod(store, id, wantedDefault);
  // Everything is validated above; only now mutate state so a 4xx leaves no trace.
  if (attached) store.paymentMethods.set(attached.id, attached);
  for (const taxId of taxIds) store.taxIds.set(taxId.id, taxId);
  customer.tax_ids = embeddedTaxIds(store, id);
  store.customers.set(id, customer);
  if (attached) recordEvent(store, request, 'payment_method.attached', attached);
  return view(customer, expand);
}

function update({ store, id, body, expand }: RouteContext): SandboxObject {
  const current = getCustomer(store, id);
  only(body, UPDATE_PARAMS, undefined, UNMODELED);
  const next: SandboxObject = { ...current, metadata: applyMetadata(current.metadata, body) };
  // Top-level fields not sent stay unchanged; '' unsets nullable ones (Stripe's update semantics).
  const patch: Record<string, unknown> = {
    address: address(body, 'address'), balance: int(body, 'balance'), description: nullableStr(body, 'description'),
    email: email(body), invoice_prefix: str(body, 'invoice_prefix'), name: nullableStr(body, 'name'),
    next_invoice_sequence: int(body, 'next_invoice_sequence'), phone: nullableStr(body, 'phone'),
    preferred_locales: locales(body), shipping: shipping(body), tax_exempt: oneOf(body, 'tax_exempt', ['none', 'exempt', 'reverse']),
  };
  for (const [key, value] of Object.entries(patch)) if (value !== undefined) next[key] = value;
  const settings = invoiceSettings(current.invoice_settings as InvoiceSettings, body);
  const wantedDefault = settings.default_payment_method;
  if (wantedDefault !== null && wantedDefault !== (current.invoice_settings as InvoiceSettings).default_payment_method) {
    checkDefaultPaymentMethod(store, id, wantedDefault);
  }
  next.invoice_settings = settings;
  store.customers.set(id, next);
  return view(next, expand);
}

function retrieve({ store, id, body, expand }: RouteContext): SandboxObject {
  only(body, ['expand']);
  return view(getCustomer(store, id), expand);
}

function listCustomers({ store, body, expand }: RouteContext): unknown {
  only(body, ['email', 'ending_before', 'expand', 'limit', 'starting_after'], undefined, ['created', 'test_clock']);
  const wanted = str(body, 'email');
  // Stripe's email filter is an exact, case-sensitive match.
  const all = [...store.customers.values()].filter((c) => wanted === undefined || c.email === wanted);
  const page = paginate(all, body, '/v1/customers', 'customer');
  return { ...page, data: page.data.map((c) => view(c, listExpand(expand))) };
}

export const customerRoutes: readonly Route[] = [
  ['POST', '/v1/customers', create],
  ['GET', '/v1/customers', listCustomers],
  ['GET', '/v1/customers/:id', retrieve],
  ['POST', '/v1/customers/:id', update],
];
