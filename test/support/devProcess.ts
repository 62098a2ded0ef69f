import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort } from './freePort';

const ROOT = resolve(__dirname, '../..');

export type DevProcess = { child: ChildProcess; output: () => string; ready: Promise<void>; exited: Promise<number | null> };

// Runs the zero-setup entry (src/dev.ts) as one node process, exactly as `npm start` does after setup. `nodeArgs`
// go to node itself (the bench's --cpu-prof, which NODE_OPTIONS refuses).
export function startDevProcess(env: Record<string, string>, nodeArgs: string[] = []): DevProcess {
  const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', 'src/dev.ts'], {
    cwd: ROOT,
    env: { ...process.env, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  const ready = new Promise<void>((done, fail) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Tollgate is running')) done();
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    void exited.then((code) => fail(new Error(`dev process exited (${code}) before it was ready:\n${output}`)));
  });
  return { child, output: () => output, ready, exited };
}

export const FREE_ONLY_CATALOG = `
products: [{ id: product-app, displayName: App }]
plans: [{ id: plan-free, productId: product-app, displayName: Free, pricingType: FREE }]
`;

export type DevInstanceFolder = { dataDir: string; env: Record<string, string>; remove: () => void };

// A data folder and free ports for one `npm start` of a test, with a fixed key and its own catalog file.
export async function prepareDevInstance(options: { name: string; apiKey: string; catalog?: string; env?: Record<string, string> }): Promise<DevInstanceFolder> {
  const dataDir = mkdtempSync(join(tmpdir(), `tollgate-${options.name}-`));
  // Postgres runs as the unprivileged "postgres" user when we are root; it must reach its folder.
  chmodSync(dataDir, 0o755);
  writeFileSync(join(dataDir, 'catalog.yaml'), options.catalog ?? FREE_ONLY_CATALOG);
  const env = {
    PORT: String(await freePort()),
    TOLLGATE_DATA_DIR: dataDir,
    TOLLGATE_PG_PORT: String(await freePort()),
    TEMPORAL_PORT: String(await freePort()),
    TEMPORAL_UI_PORT: String(await freePort()),
    // Used when the test leaves billing to npm start's default, the in-process Stripe sandbox.
    TOLLGATE_SANDBOX_PORT: String(await freePort()),
    TOLLGATE_API_KEY: options.apiKey,
    TOLLGATE_CATALOG_FILE: join(dataDir, 'catalog.yaml'),
    ...options.env,
  };
  return { dataDir, env, remove: () => rmSync(dataDir, { recursive: true, force: true }) };
}

// Stops a dev process a test left running (Ctrl-C, so it stops its own Postgres and Temporal server).
export async function stopIfRunning(running: DevProcess | undefined): Promise<void> {
  if (!running || running.child.exitCode !== null) return;
  running.child.kill('SIGINT');
  await running.exited;
}
