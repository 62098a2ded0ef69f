import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { isProcessAlive } from './processes';

function commandOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return '';
  }
}

// True when the pid is alive and really is that program (a pid from an old file may have been reused).
export function runsCommand(pid: number, expectedCommand: string): boolean {
  return isProcessAlive(pid) && commandOf(pid).includes(expectedCommand);
}

// Stops a server left behind by a crashed start (only if it really is that program), so the data folder is ours again.
export async function stopLeftoverProcess(pid: number, expectedCommand: string, timeoutMs = 15_000): Promise<void> {
  if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid || !runsCommand(pid, expectedCommand)) return;
  process.kill(pid, 'SIGINT');
  const deadline = Date.now() + timeoutMs;
  while (isProcessAlive(pid) && Date.now() < deadline) await sleep(100);
  if (isProcessAlive(pid)) process.kill(pid, 'SIGKILL');
}
