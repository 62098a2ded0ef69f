import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runsCommand } from './leftoverProcess';

export type PostmasterOnDataDir =
  | { state: 'none' }
  // No port while Postgres is still writing its lock file.
  | { state: 'running'; pid: number; port?: number }
  | { state: 'unknown'; reason: string };

// What Postgres' own lock file says about the embedded database of a data folder: line 1 is the
// postmaster's pid, line 4 its port. A file naming a dead process (or a reused pid) is a stale one.
export function findRunningPostmaster(dataDir: string): PostmasterOnDataDir {
  let text: string;
  try {
    text = readFileSync(join(dataDir, 'postgres', 'postmaster.pid'), 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code === 'ENOENT' ? { state: 'none' } : { state: 'unknown', reason: `cannot read postgres/postmaster.pid (${code})` };
  }
  const lines = text.split('\n');
  const pid = Number(lines[0]);
  if (!Number.isInteger(pid) || pid <= 0 || !runsCommand(pid, 'postgres')) return { state: 'none' };
  const port = Number(lines[3]);
  return Number.isInteger(port) && port >= 1 && port <= 65535 ? { state: 'running', pid, port } : { state: 'running', pid };
}
