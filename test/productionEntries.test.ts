import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);

// Production settings that point nowhere: each entry must refuse before it tries to connect.
const productionEnv = { DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none', TEMPORAL_ADDRESS: '127.0.0.1:1', LOG_LEVEL: 'silent' };

async function startEntry(entry: string, env: Record<string, string>): Promise<{ code: number; out: string }> {
  const cleanEnv = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('TOLLGATE_')));
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', entry], { cwd: resolve(__dirname, '..'), env: { ...cleanEnv, ...productionEnv, ...env }, timeout: 30_000 });
    return { code: 0, out: stdout + stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, out: failed.stdout + failed.stderr };
  }
}

describe('production entries and the payload key', () => {
  it.each([
    ['src/server.ts', 'the API'],
    ['src/worker.ts', 'the worker'],
  ])('%s refuses to start without TOLLGATE_PAYLOAD_KEY and says how to make one', async (entry, who) => {
    const { code, out } = await startEntry(entry, {});
    expect(code).toBe(1);
    expect(out).toContain(`TOLLGATE_PAYLOAD_KEY: required by ${who}`);
    expect(out).toContain('openssl rand -base64 32');
  });

  it.each([
    ['src/server.ts', 'the API'],
    ['src/worker.ts', 'the worker'],
  ])('%s refuses BILLING_PROVIDER=sandbox without STRIPE_API_BASE, since the sandbox runs inside npm start', async (entry, who) => {
    const { code, out } = await startEntry(entry, { TOLLGATE_PAYLOAD_KEY: Buffer.alloc(32, 3).toString('base64'), BILLING_PROVIDER: 'sandbox' });
    expect(code).toBe(1);
    expect(out).toContain(`STRIPE_API_BASE: required by ${who} when BILLING_PROVIDER=sandbox`);
  });

  it('refuses a codec endpoint without the Temporal UI origin it would serve', async () => {
    const { code, out } = await startEntry('src/server.ts', { TOLLGATE_PAYLOAD_KEY: Buffer.alloc(32, 3).toString('base64'), TOLLGATE_CODEC_ENDPOINT: 'network' });
    expect(code).toBe(1);
    expect(out).toContain('TOLLGATE_CODEC_UI_ORIGINS: required when TOLLGATE_CODEC_ENDPOINT=network');
  });
});
