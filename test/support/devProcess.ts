import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';

const ROOT = resolve(__dirname, '../..');

export type DevProcess = { child: ChildProcess; output: () => string; ready: Promise<void>; exited: Promise<number | null> };

// Runs the zero-setup entry (src/dev.ts) as one node process, exactly as `npm start` does after setup.
export function startDevProcess(env: Record<string, string>): DevProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/dev.ts'], {
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
