// /v1/customers/:id/tax_ids: one store of tax_id objects, shared with tax_id_data on customer create.
import type { FormObject } from './form';
import {
  invalid, newId, noSuch, nonEmpty, only, oneOf, paginate, paramName, required,
  type Route, type RouteContext, type Store, type StoredObject,
} from './params';

// The types Stripe accepts on create (`unknown` only exists on legacy objects).
const TAX_ID_TYPES = `ad_nrt ae_trn al_tin am_tin ao_tin ar_cuit au_abn au_acn au_arn au_wpn aw_tin az_tin ba_tin bb_tin bd_bin
  bf_ifu bg_uic bh_vat bj_ifu bo_tin br_cnpj br_cpf bs_tin bw_vat by_tin ca_bn ca_gst_hst ca_pst_bc ca_pst_mb ca_pst_sk ca_qst
  cd_nif ch_uid ch_vat ci_vat cl_tin cm_niu cn_tin co_nit cr_tin cv_nif cz_dic de_stn do_rcn ec_ruc eg_tin es_cif et_tin
  eu_oss_vat eu_vat fo_vat fr_siren fr_siret fr_spi gb_vat ge_vat gh_tin gi_tin gn_nif hk_br hr_oib hu_tin ic_nif id_npwp il_vat
  in_gst is_kt is_vat it_cf jp_cn jp_rn jp_trn ke_pin kg_tin kh_tin kr_brn kz_bin la_tin li_uid li_vat lk_vat ma_vat md_cf md_vat
  me_pib mk_vat mr_nif mu_vat mx_rfc my_frp my_itn my_sst mz_nuit ng_tin no_vat no_voec np_pan nz_bn nz_gst om_vat pe_ruc ph_tin
  pl_nip pt_nif py_ruc ro_tin rs_pib ru_inn ru_kpp sa_vat sg_gst sg_uen si_tin sm_coe sn_ninea sr_fin sv_nit th_vat tj_tin tr_tin
  tt_bir tt_vat tw_vat tz_vat ua_vat ug_tin us_ein uy_ruc uz_tin uz_vat ve_rif vn_tin za_vat zm_tin zw_tin`.split(/\s+/);
// Tax id types that Stripe verifies asynchronously (others report `unavailable`).
const VERIFIED_TYPES = new Set(['eu_vat', 'gb_vat', 'au_abn']);

/** EU VAT numbers carry their country (Greece uses EL); OSS numbers have none; other types encode it in the type name. */
function country(type: string, value: string): string | null {
  if (type === 'eu_oss_vat') return null;
  if (type !== 'eu_vat') return type.slice(0, 2).toUpperCase();
  const prefix = value.slice(0, 2).toUpperCase();
  return prefix === 'EL' ? 'GR' : prefix;
}

/** Validates one tax id (`type`, `value` under `at`) without storing it, so a failed request leaves no trace. */
export function buildTaxId(store: Store, customerId: string, body: FormObject, at?: string): StoredObject {
  const type = required(oneOf(body, 'type', TAX_ID_TYPES, at), paramName('type', at));
  const value = required(nonEmpty(body, 'value', at), paramName('value', at));
  if (type === 'eu_vat' && !/^[A-Za-z]{2}[0-9A-Za-z+*. -]{2,}$/.test(value)) {
    throw invalid(`Invalid value for eu_vat.`, { code: 'tax_id_invalid', param: paramName('value', at) });
  }
  return {
    id: newId('txi', 24), object: 'tax_id', country: country(type, value), created: store.nowSeconds(), customer: customerId,
    customer_account: null, livemode: false, owner: { type: 'customer', customer: customerId, customer_account: null }, type, value,
    verification: { status: VERIFIED_TYPES.has(type) ? 'pending' : 'unavailable', verified_address: null, verified_name: null },
  };
}

const listUrl = (customerId: string): string => `/v1/customers/${customerId}/tax_ids`;
const ofCustomer = (store: Store, customerId: string): StoredObject[] =>
  [...store.taxIds.values()].filter((t) => t.customer === customerId);

/** The customer's embedded `tax_ids`: the endpoint's first page plus total_count, holding the very stored objects. */
export function embeddedTaxIds(store: Store, customerId: string): Record<string, unknown> {
  const all = ofCustomer(store, customerId);
  return { ...paginate(all, {}, listUrl(customerId), 'tax_id'), total_count: all.length };
}

/** Keeps the customer's embedded list in step after a tax id is added or removed. */
function syncCustomer(store: Store, customerId: string): void {
  const customer = store.customers.get(customerId);
  if (customer) store.customers.set(customerId, { ...customer, tax_ids: embeddedTaxIds(store, customerId) });
}

function requireCustomer(store: Store, id: string): void {
  if (!store.customers.has(id)) throw noSuch('customer', id);
}

function getTaxId(store: Store, customerId: string, taxId: string): StoredObject {
  requireCustomer(store, customerId);
  const found = store.taxIds.get(taxId);
  // A tax id of another customer is as missing as one that never existed.
  if (!found || found.customer !== customerId) throw noSuch('tax_id', taxId);
  return found;
}

function create({ store, id, body }: RouteContext): StoredObject {
  requireCustomer(store, id);
  only(body, ['expand', 'type', 'value'], undefined, ['owner']);
  const taxId = buildTaxId(store, id, body);
  store.taxIds.set(taxId.id, taxId);
  syncCustomer(store, id);
  return structuredClone(taxId);
}

function list({ store, id, body }: RouteContext): unknown {
  requireCustomer(store, id);
  only(body, ['ending_before', 'expand', 'limit', 'starting_after']);
  return paginate(ofCustomer(store, id), body, listUrl(id), 'tax_id');
}

function remove({ store, id, subId, body }: RouteContext): unknown {
  only(body, []);
  const taxId = getTaxId(store, id, subId);
  store.taxIds.delete(taxId.id);
  syncCustomer(store, id);
  return { id: taxId.id, object: 'tax_id', deleted: true };
}

export const taxIdRoutes: readonly Route[] = [
  ['POST', '/v1/customers/:id/tax_ids', create],
  ['GET', '/v1/customers/:id/tax_ids', list],
  ['GET', '/v1/customers/:id/tax_ids/:taxId', ({ store, id, subId, body }) => (only(body, ['expand']), structuredClone(getTaxId(store, id, subId)))],
  ['DELETE', '/v1/customers/:id/tax_ids/:taxId', remove],
];
