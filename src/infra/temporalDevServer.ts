import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { stopLeftoverProcess } from './leftoverProcess';
import { restrictPrivateDataFiles, withOwnerOnlyUmask } from './ownerOnlyFiles';
import { assertPortFree, stopChild, waitForPort } from './processes';
import { searchAttributeFlags } from '../temporal/searchAttributes';

export type RunningTemporal = { address: string; uiUrl: string; stop: () => Promise<void> };

// The Temporal CLI: TEMPORAL_CLI_PATH, else the one setup installed from PyPI, else one on PATH.
export function findTemporalCli(explicitPath?: string): string {
  if (explicitPath) return explicitPath;
  const local = resolve(__dirname, '../../.tools/venv/bin/temporal');
  if (existsSync(local)) return local;
  const onPath = spawnSync('sh', ['-c', 'command -v temporal'], { encoding: 'utf8' }).stdout.trim();
  if (onPath) return onPath;
  throw new Error('Temporal CLI not found: run `node scripts/setup.mjs`, set TEMPORAL_CLI_PATH, or set TEMPORAL_ADDRESS');
}

// Runs `temporal server start-dev` with its Web UI; history persists in dataDir across restarts.
export async function startTemporalDevServer(options: {
  dataDir: string;
  port: number;
  uiPort: number;
  namespace: string;
  cliPath?: string;
  onLog?: (line: string) => void;
  portVariables?: [string, string];
  // The Web UI asks this endpoint (Tollgate's /codec) to decrypt payloads for display.
  uiCodecEndpoint?: string;
}): Promise<RunningTemporal> {
  await mkdir(options.dataDir, { recursive: true });
  const pidFile = join(options.dataDir, 'temporal.pid');
  if (existsSync(pidFile)) await stopLeftoverProcess(Number(readFileSync(pidFile, 'utf8')), 'temporal');

  await assertPortFree(options.port, options.portVariables?.[0]);
  await assertPortFree(options.uiPort, options.portVariables?.[1]);

  // The history holds customer data: its database is owner-only (it used to be 0644). The server must create
  // the file itself (it sets up its schema only for a missing file), so a new one gets its mode from the umask.
  const dbFile = join(options.dataDir, 'temporal.db');
  restrictPrivateDataFiles(options.dataDir);
  const args = [
    'server', 'start-dev',
    '--ip', '127.0.0.1',
    '--port', String(options.port),
    '--ui-port', String(options.uiPort),
    '--namespace', options.namespace,
    '--db-filename', dbFile,
    '--log-level', 'warn',
    ...searchAttributeFlags(),
    ...(options.uiCodecEndpoint ? ['--ui-codec-endpoint', options.uiCodecEndpoint] : []),
  ];
  // Its own process group: a Ctrl-C in the terminal reaches Tollgate, which stops this server after draining.
  const cli = findTemporalCli(options.cliPath);
  const child = withOwnerOnlyUmask(() => spawn(cli, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true }));
  const log = options.onLog ?? (() => undefined);
  child.stdout?.on('data', (chunk: Buffer) => log(chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => log(chunk.toString()));
  if (child.pid) writeFileSync(pidFile, String(child.pid));

  try {
    await waitForPort(options.port, 30_000, () => (child.exitCode !== null ? `Temporal dev server exited with code ${child.exitCode}` : undefined));
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  return {
    address: `127.0.0.1:${options.port}`,
    uiUrl: `http://127.0.0.1:${options.uiPort}`,
    stop: async () => {
      await stopChild(child);
      rmSync(pidFile, { force: true });
    },
  };
}

