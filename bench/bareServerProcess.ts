import { spawn } from 'node:child_process';
import { resolve } from 'node:path';

export type BareServer = { port: number; pid: number; stop: () => Promise<void> };

// Starts bench/bareServer.ts as its own node process, as the service runs (tsx loader included), and waits for its port.
export function startBareServer(): Promise<BareServer> {
  const child = spawn(process.execPath, ['--import', 'tsx', resolve(__dirname, 'bareServer.ts')], { cwd: resolve(__dirname, '..'), stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGINT');
    await exited;
  };
  return new Promise((done, fail) => {
    let output = '';
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const listening = /listening on (\d+)/.exec(output);
      if (listening) done({ port: Number(listening[1]), pid: child.pid!, stop });
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    void exited.then(() => fail(new Error(`the bare server exited before listening:\n${output}`)));
  });
}
