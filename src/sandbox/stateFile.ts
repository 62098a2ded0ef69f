// The sandbox's objects and idempotency results on disk, so a restarted `npm start` still knows the Stripe ids
// its Postgres remembers (customers, products, prices) and replays a write a crash interrupted, like Stripe would.
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { Store } from './params';
import { COLLECTIONS, type CollectionName } from './store';

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

// A file written before a collection existed simply lacks it: it loads as empty.
type Snapshot = { format: typeof FORMAT; idempotency: [string, StoredResult][] } & Partial<Record<CollectionName, [string, never][]>>;

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
  for (const name of COLLECTIONS) {
    for (const [id, object] of snapshot[name] ?? []) store[name].set(id, object);
  }
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
  const snapshot: Record<string, unknown> = { format: FORMAT, idempotency: [...idempotency] };
  for (const name of COLLECTIONS) snapshot[name] = [...store[name]];
  const temporary = `${path}.tmp`;
  // Owner-only: it holds customer names, emails and addresses.
  writeFileSync(temporary, JSON.stringify(snapshot), { mode: 0o600 });
  renameSync(temporary, path);
}
