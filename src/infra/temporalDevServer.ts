import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { stopLeftoverProcess } from './leftoverProcess';
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
}): Promise<RunningTemporal> {
  await mkdir(options.dataDir, { recursive: true });
  const pidFile = join(options.dataDir, 'temporal.pid');
  if (existsSync(pidFile)) await stopLeftoverProcess(Number(readFileSync(pidFile, 'utf8')), 'temporal');

  await assertPortFree(options.port, options.portVariables?.[0]);
  await assertPortFree(options.uiPort, options.portVariables?.[1]);

  const args = [
    'server', 'start-dev',
    '--ip', '127.0.0.1',
    '--port', String(options.port),
    '--ui-port', String(options.uiPort),
    '--namespace', options.namespace,
    '--db-filename', join(options.dataDir, 'temporal.db'),
    '--log-level', 'warn',
    ...searchAttributeFlags(),
  ];
  // Its own process group: a Ctrl-C in the terminal reaches Tollgate, which stops this server after draining.
  const child = spawn(findTemporalCli(options.cliPath), args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
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

