import type { Server } from 'node:http';
import type { Tollgate, TollgateEventName, TollgateEvents } from '@tollgate/node-sdk';
import type { EventStreamSettings } from '../../src/api/eventStream';
import { catalogDocumentSchema, type CatalogDocumentInput } from '../../src/domain/catalog/catalogDocument';
import { listen } from '../../src/infra/httpServer';
import { applyCatalog } from '../../src/services/applyCatalog';
import { startApiHarness, type ApiHarness } from './apiHarness';
import { freePort } from './freePort';
import { createTestEnvironment } from './testEnvironment';

// The ids the seed's examples use, as a catalog: a product with one subscription per resource ('resource-01').
export const SEED_CATALOG: CatalogDocumentInput = {
  products: [{ id: 'product-seed', displayName: 'Seed product', multipleSubscriptions: true }],
  features: [
    { id: 'feature-01-templates', displayName: 'Templates', featureType: 'NUMBER' },
    { id: 'feature-demo-01', displayName: 'Demo flag', featureType: 'BOOLEAN' },
    { id: 'feature-demo-02', displayName: 'Demo number', featureType: 'NUMBER' },
    { id: 'feature-demo-03', displayName: 'Demo meter', featureType: 'NUMBER', meterType: 'Incremental' },
    { id: 'feature-seats', displayName: 'Seats', featureType: 'NUMBER', meterType: 'Fluctuating' },
    { id: 'feature-logins', displayName: 'Logins', featureType: 'NUMBER', meterType: 'Incremental' },
  ],
  plans: [
    {
      id: 'plan-free',
      productId: 'product-seed',
      displayName: 'Free',
      pricingType: 'FREE',
      entitlements: [{ featureId: 'feature-demo-02', value: 1 }, { featureId: 'feature-seats', usageLimit: 2 }, { featureId: 'feature-logins', usageLimit: 1_000_000 }],
    },
    {
      id: 'plan-basic',
      productId: 'product-seed',
      displayName: 'Basic',
      pricingType: 'PAID',
      compatibleAddonIds: ['addon-extra-stuff'],
      prices: [
        { billingPeriod: 'MONTHLY', billingModel: 'FLAT_FEE', currency: 'usd', amount: 1900 },
        { billingPeriod: 'MONTHLY', billingModel: 'PER_UNIT', featureId: 'feature-01-templates', currency: 'usd', amount: 500 },
      ],
      entitlements: [
        { featureId: 'feature-demo-01' },
        { featureId: 'feature-demo-02', value: 5 },
        { featureId: 'feature-demo-03', usageLimit: 100, resetPeriod: 'MONTH' },
        { featureId: 'feature-seats', usageLimit: 20 },
        { featureId: 'feature-logins', usageLimit: 1_000_000 },
      ],
    },
  ],
  addons: [
    {
      id: 'addon-extra-stuff',
      productId: 'product-seed',
      displayName: 'Extra stuff',
      pricingType: 'PAID',
      prices: [{ billingPeriod: 'MONTHLY', billingModel: 'FLAT_FEE', currency: 'usd', amount: 300 }],
      entitlements: [{ featureId: 'feature-demo-02', value: 1 }],
    },
  ],
  coupons: [{ id: 'coupon-test-id', displayName: 'Test coupon', discountType: 'PERCENTAGE', percentOff: 10, durationType: 'FOREVER' }],
  meters: [{ id: 'meter-logins', featureId: 'feature-logins', eventName: 'user_login', aggregation: { function: 'COUNT' } }],
};

export type SdkService = {
  harness: ApiHarness;
  apiKey: string;
  environmentId: string;
  baseUri: string;
  // The API's HTTP server alone: stopping it drops every connection (the stream too); starting it again listens on
  // the same port, as a restarted process would.
  stopHttp: () => Promise<void>;
  startHttp: () => Promise<void>;
  // A plain HTTP call to the API (a change made elsewhere than through the SDK).
  api: (method: string, path: string, body?: unknown) => Promise<{ status: number; body: any }>;
  stop: () => Promise<void>;
};

// `eventStream`: the stream's settings (a short heartbeat, for tests of the SDK's idle timeout).
export async function startSdkService(catalog: CatalogDocumentInput = SEED_CATALOG, eventStream?: Partial<EventStreamSettings>): Promise<SdkService> {
  const harness = await startApiHarness({ billing: 'none', eventStream });
  const { apiKey, environmentId } = await createTestEnvironment(harness.database.db);
  const applied = await applyCatalog(harness.database.db, environmentId, catalogDocumentSchema.parse(catalog));
  if (!applied.ok) throw new Error(JSON.stringify(applied.issues));
  const port = await freePort();
  let server: Server | undefined = await listen(harness.app, port, '127.0.0.1');
  const baseUri = `http://127.0.0.1:${port}`;
  const stopHttp = async () => {
    const closing = server;
    server = undefined;
    if (!closing) return;
    closing.closeAllConnections();
    await new Promise<void>((resolve) => closing.close(() => resolve()));
  };
  return {
    harness,
    apiKey,
    environmentId,
    baseUri,
    stopHttp,
    startHttp: async () => {
      server ??= await listen(harness.app, port, '127.0.0.1');
    },
    api: async (method, path, body) => {
      const response = await fetch(baseUri + path, {
        method,
        headers: { 'X-API-KEY': apiKey, ...(body !== undefined && { 'Content-Type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await response.text();
      return { status: response.status, body: text ? JSON.parse(text) : undefined };
    },
    stop: async () => {
      await stopHttp();
      await harness.stop();
    },
  };
}

// Resolves with the next payload of `name` that `matches`.
export function nextEvent<E extends TollgateEventName>(client: Tollgate, name: E, matches: (...args: Parameters<TollgateEvents[E]>) => boolean = () => true): Promise<Parameters<TollgateEvents[E]>> {
  return new Promise((resolve) => {
    const listener = ((...args: Parameters<TollgateEvents[E]>) => {
      if (!matches(...args)) return;
      client.removeListener(name, listener);
      resolve(args);
    }) as TollgateEvents[E];
    client.addListener(name, listener);
  });
}

// Counts the events of `name` from now on.
export function countEvents(client: Tollgate, name: TollgateEventName) {
  const seen: unknown[][] = [];
  client.addListener(name, ((...args: unknown[]) => seen.push(args)) as never);
  return seen;
}

// Polls until `condition` holds (what it waits for happens asynchronously; no time is asserted).
export async function eventually(condition: () => boolean | Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const started = Date.now();
  while (!(await condition())) {
    if (Date.now() - started > timeoutMs) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
