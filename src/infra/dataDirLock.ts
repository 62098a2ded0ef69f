import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isProcessAlive } from './processes';
import { StartupError } from './startupError';

// The pid of a live Tollgate process that owns this data folder, if any.
export function dataDirOwner(dataDir: string): number | undefined {
  const file = join(dataDir, 'tollgate.pid');
  if (!existsSync(file)) return undefined;
  const pid = Number(readFileSync(file, 'utf8'));
  return Number.isInteger(pid) && pid > 0 && pid !== process.pid && isProcessAlive(pid) ? pid : undefined;
}

// Claims the data folder for this process; servers left by a dead owner may then be stopped safely.
export function claimDataDir(dataDir: string): () => void {
  const owner = dataDirOwner(dataDir);
  if (owner) throw new StartupError(`another Tollgate (pid ${owner}) is running on ${dataDir}; stop it or set TOLLGATE_DATA_DIR`);
  const file = join(dataDir, 'tollgate.pid');
  writeFileSync(file, String(process.pid));
  return () => rmSync(file, { force: true });
}
