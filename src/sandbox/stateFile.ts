// The sandbox's objects and idempotency results on disk, so a restarted `npm start` still knows the Stripe ids
// its Postgres remembers (customers, products, prices) and replays a write a crash interrupted, like Stripe would.
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { SandboxObject, Store, StoredObject } from './params';

export interface StoredReply {
  status: number;
  /** Serialized once, so an idempotent replay is byte-identical even if state changed since. */
  json: string;
  headers: Record<string, string>;
}

export interface StoredResult {
  method: string;
  path: string;
  params: string;
  reply: StoredReply;
  /** Unix seconds; Stripe forgets a key after 24 hours, and so does the sandbox when it loads its file. */
  at: number;
}

const KEY_LIFETIME_SECONDS = 24 * 60 * 60;

const FORMAT = 'tollgate-stripe-sandbox/1';

interface Snapshot {
  format: typeof FORMAT;
  customers: [string, SandboxObject][];
  products: [string, SandboxObject][];
  prices: [string, SandboxObject][];
  paymentMethods: [string, SandboxObject][];
  taxIds: [string, StoredObject][];
  idempotency: [string, StoredResult][];
}

export class SandboxStateFileError extends Error {}

// Fills the empty store and idempotency map from the file; a missing file is a fresh sandbox.
export function loadSandboxState(path: string, store: Store, idempotency: Map<string, StoredResult>): void {
  if (!existsSync(path)) return;
  let snapshot: Snapshot;
  try {
    snapshot = JSON.parse(readFileSync(path, 'utf8')) as Snapshot;
  } catch (error) {
    throw new SandboxStateFileError(`the Stripe sandbox state file ${path} is not valid JSON (${(error as Error).message}); move it away to start an empty sandbox`);
  }
  if (snapshot?.format !== FORMAT) {
    throw new SandboxStateFileError(`the Stripe sandbox state file ${path} is not in the format ${FORMAT}; move it away to start an empty sandbox`);
  }
  for (const [id, object] of snapshot.customers) store.customers.set(id, object);
  for (const [id, object] of snapshot.products) store.products.set(id, object);
  for (const [id, object] of snapshot.prices) store.prices.set(id, object);
  for (const [id, object] of snapshot.paymentMethods) store.paymentMethods.set(id, object);
  for (const [id, object] of snapshot.taxIds) store.taxIds.set(id, object);
  for (const [key, result] of snapshot.idempotency) idempotency.set(key, result);
  forgetExpiredKeys(idempotency, store.nowSeconds());
}

// Keys are kept in the order they were first used, so the expired ones are at the front.
export function forgetExpiredKeys(idempotency: Map<string, StoredResult>, nowSeconds: number): void {
  for (const [key, result] of idempotency) {
    if (result.at >= nowSeconds - KEY_LIFETIME_SECONDS) return;
    idempotency.delete(key);
  }
}

// Written before the reply leaves, through a rename, so a crash leaves the previous or the new state, never half.
export function saveSandboxState(path: string, store: Store, idempotency: ReadonlyMap<string, StoredResult>): void {
  const snapshot: Snapshot = {
    format: FORMAT,
    customers: [...store.customers],
    products: [...store.products],
    prices: [...store.prices],
    paymentMethods: [...store.paymentMethods],
    taxIds: [...store.taxIds],
    idempotency: [...idempotency],
  };
  const temporary = `${path}.tmp`;
  // Owner-only: it holds customer names, emails and addresses.
  writeFileSync(temporary, JSON.stringify(snapshot), { mode: 0o600 });
  renameSync(temporary, path);
}
