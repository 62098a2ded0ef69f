import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prepareDevInstance, startDevProcess, stopIfRunning, type DevInstanceFolder, type DevProcess } from '../support/devProcess';

const API_KEY = 'tg_server_restart_test_key_0123456789';
const FILE_CATALOG = `
products: [{ id: product-app, displayName: App }]
plans: [{ id: plan-free, productId: product-app, displayName: Free, pricingType: FREE }]
`;
const API_CATALOG = {
  products: [{ id: 'product-app', displayName: 'App' }],
  features: [{ id: 'feature-from-api', displayName: 'Added through the API', featureType: 'BOOLEAN' }],
  plans: [{ id: 'plan-free', productId: 'product-app', displayName: 'Free', pricingType: 'FREE' }],
};

// `npm start` twice on the same data: what PUT /v1/catalog applied in between survives the restart.
describe('the catalog file across restarts of npm start', () => {
  let env: Record<string, string>;
  let running: DevProcess | undefined;
  let instance: DevInstanceFolder | undefined;

  const start = async (extra: Record<string, string> = {}) => {
    running = startDevProcess({ ...env, ...extra });
    await running.ready;
    return running.output().split('\n').find((line) => line.trimStart().startsWith('Catalog'))!.trim();
  };
  const stop = async () => {
    running!.child.kill('SIGINT');
    expect(await running!.exited).toBe(0);
  };
  const api = (path: string, init: RequestInit = {}) =>
    fetch(`http://127.0.0.1:${env.PORT}${path}`, { ...init, headers: { 'content-type': 'application/json', 'x-api-key': API_KEY } });

  beforeAll(async () => {
    instance = await prepareDevInstance({ name: 'restart', apiKey: API_KEY, catalog: FILE_CATALOG, env: { BILLING_PROVIDER: 'none' } });
    env = instance.env;
  });

  afterAll(async () => {
    await stopIfRunning(running);
    instance?.remove();
  });

  it('applies the file once, keeps API changes when it is unchanged, and can be turned off', { timeout: 240_000 }, async () => {
    expect(await start()).toBe(`Catalog       ${env.TOLLGATE_CATALOG_FILE} (2 changes applied)`);
    const put = await api('/v1/catalog', { method: 'PUT', body: JSON.stringify(API_CATALOG) });
    expect(put.status).toBe(200);
    await stop();

    expect(await start({ TOLLGATE_CATALOG_FILE: '' })).toBe('Catalog       disabled (TOLLGATE_CATALOG_FILE is empty)');
    await stop();

    expect(await start()).toBe(`Catalog       ${env.TOLLGATE_CATALOG_FILE} (skipped: file unchanged since last applied)`);
    const catalog = (await (await api('/v1/catalog')).json()) as { features: { id: string }[] };
    expect(catalog.features.map((f) => f.id)).toEqual(['feature-from-api']);
    await stop();
  });
});
