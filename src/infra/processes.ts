import type { ChildProcess } from 'node:child_process';
import { createConnection, createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { StartupError } from './startupError';

export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to another user (e.g. Postgres run as "postgres").
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

// Resolves once something accepts TCP connections on the port; `gaveUp` ends the wait early (e.g. the server exited).
export async function waitForPort(port: number, timeoutMs: number, gaveUp: () => string | undefined = () => undefined): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const open = await new Promise<boolean>((done) => {
      const socket = createConnection({ host: '127.0.0.1', port }, () => (socket.destroy(), done(true)));
      socket.on('error', () => done(false));
    });
    if (open) return;
    const reason = gaveUp();
    if (reason) throw new Error(reason);
    if (Date.now() > deadline) throw new Error(`nothing listened on port ${port} within ${timeoutMs} ms`);
    await sleep(100);
  }
}

// Stops a child we spawned: the given signal first, SIGKILL if it has not exited within the grace period.
export async function stopChild(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM', graceMs = 15_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  child.kill(signal);
  // A plain timer, cleared on exit: a pending sleep() would keep this process alive for the whole grace period.
  const killer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(killer);
}

// True when nothing listens on the loopback port, so a server we start can take it.
export function isPortFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

// Fails with a message naming the setting to change, instead of a server dying on a bind error.
export async function assertPortFree(port: number, variable?: string): Promise<void> {
  if (await isPortFree(port)) return;
  const setting = variable ? ` (${variable})` : '';
  throw new StartupError(`port ${port}${setting} is already in use${variable ? `; set ${variable} to another port to run a second instance` : ''}`);
}
