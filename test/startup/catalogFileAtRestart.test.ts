import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDevProcess, type DevProcess } from '../support/devProcess';
import { freePort } from '../support/freePort';

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
  let dataDir: string;
  let env: Record<string, string>;
  let running: DevProcess | undefined;

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
    dataDir = mkdtempSync(join(tmpdir(), 'tollgate-restart-'));
    chmodSync(dataDir, 0o755);
    writeFileSync(join(dataDir, 'catalog.yaml'), FILE_CATALOG);
    env = {
      PORT: String(await freePort()),
      TOLLGATE_DATA_DIR: dataDir,
      TOLLGATE_PG_PORT: String(await freePort()),
      TEMPORAL_PORT: String(await freePort()),
      TEMPORAL_UI_PORT: String(await freePort()),
      TOLLGATE_API_KEY: API_KEY,
      TOLLGATE_CATALOG_FILE: join(dataDir, 'catalog.yaml'),
      BILLING_PROVIDER: 'none',
    };
  });

  afterAll(async () => {
    if (running && running.child.exitCode === null) {
      running.child.kill('SIGINT');
      await running.exited;
    }
    rmSync(dataDir, { recursive: true, force: true });
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
