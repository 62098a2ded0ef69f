import { chmodSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config';
import { restrictPrivateDataFiles } from '../../src/infra/ownerOnlyFiles';
import { developmentPayloadKeys, loadOrCreatePayloadKeyFile, requirePayloadKeys } from '../../src/infra/payloadKeys';
import { startTemporalDevServer } from '../../src/infra/temporalDevServer';
import { freePort } from '../support/freePort';

const modeOf = (path: string) => statSync(path).mode & 0o777;
const folders: string[] = [];
function dataFolder(): string {
  const folder = mkdtempSync(join(tmpdir(), 'tollgate-data-'));
  folders.push(folder);
  return folder;
}
afterEach(() => folders.splice(0).forEach((folder) => rmSync(folder, { recursive: true, force: true })));

describe('the development payload key', () => {
  it('is generated owner-only into the data folder on first start and reused afterwards', () => {
    const folder = dataFolder();
    const first = loadOrCreatePayloadKeyFile(folder);
    expect(first).toHaveLength(32);
    expect(modeOf(join(folder, 'payload-key'))).toBe(0o600);
    expect(loadOrCreatePayloadKeyFile(folder).equals(first)).toBe(true);
    expect(developmentPayloadKeys(loadConfig({ TOLLGATE_DATA_DIR: folder })).current!.equals(first)).toBe(true);
  });

  it('is made owner-only when an existing key file was readable by others', () => {
    const folder = dataFolder();
    writeFileSync(join(folder, 'payload-key'), `${Buffer.alloc(32, 1).toString('base64')}\n`, { mode: 0o644 });
    expect(loadOrCreatePayloadKeyFile(folder)).toEqual(Buffer.alloc(32, 1));
    expect(modeOf(join(folder, 'payload-key'))).toBe(0o600);
  });

  it('refuses a damaged key file instead of replacing it (old histories need it)', () => {
    const folder = dataFolder();
    writeFileSync(join(folder, 'payload-key'), 'not a key\n');
    expect(() => loadOrCreatePayloadKeyFile(folder)).toThrow(/payload-key does not hold a 32-byte base64 key/);
  });

  it('gives way to TOLLGATE_PAYLOAD_KEY, and production entries require that variable', () => {
    const folder = dataFolder();
    const key = Buffer.alloc(32, 5);
    const config = loadConfig({ TOLLGATE_DATA_DIR: folder, TOLLGATE_PAYLOAD_KEY: key.toString('base64') });
    expect(developmentPayloadKeys(config).current).toEqual(key);
    expect(readdirSync(folder)).toEqual([]);
    expect(() => requirePayloadKeys(loadConfig({ TOLLGATE_DATA_DIR: folder }), 'the worker')).toThrow(
      'TOLLGATE_PAYLOAD_KEY: required by the worker (it encrypts Temporal payloads); make one with `openssl rand -base64 32`',
    );
  });
});

describe('private files of the data folder', () => {
  it('narrows the dev API key and history files left readable by an earlier version', () => {
    const folder = dataFolder();
    for (const name of ['dev-api-key', 'temporal.db', 'temporal.db-wal']) writeFileSync(join(folder, name), 'x', { mode: 0o644 });
    writeFileSync(join(folder, 'temporal.pid'), '1', { mode: 0o644 });
    expect(restrictPrivateDataFiles(folder).sort()).toEqual(['dev-api-key', 'temporal.db', 'temporal.db-wal']);
    expect(modeOf(join(folder, 'dev-api-key'))).toBe(0o600);
    expect(modeOf(join(folder, 'temporal.db'))).toBe(0o600);
    expect(modeOf(join(folder, 'temporal.pid'))).toBe(0o644);
  });

  it('keeps the Temporal dev server database and its side files owner-only, also one that was 0644', async () => {
    const folder = dataFolder();
    const start = async () =>
      startTemporalDevServer({ dataDir: folder, port: await freePort(), uiPort: await freePort(), namespace: 'default' });
    let server = await start();
    await registerNamespace(server.address);
    await server.stop();
    expect(modeOf(join(folder, 'temporal.db'))).toBe(0o600);
    chmodSync(join(folder, 'temporal.db'), 0o644);

    server = await start();
    try {
      // The restarted server still reads the history it wrote (the pre-created empty file became a real database).
      const connection = await Connection.connect({ address: server.address });
      const { namespaces } = await connection.workflowService.listNamespaces({});
      expect(namespaces.map((n) => n.namespaceInfo?.name)).toContain('owner-only-check');
      await connection.close();
      const historyFiles = readdirSync(folder).filter((name) => name.startsWith('temporal.db'));
      expect(historyFiles).toContain('temporal.db');
      // SQLite's journal comes and goes with each transaction: check the files still there when looked at.
      for (const name of historyFiles) {
        const mode = (() => {
          try {
            return modeOf(join(folder, name));
          } catch {
            return 0o600;
          }
        })();
        expect([name, mode]).toEqual([name, 0o600]);
      }
    } finally {
      await server.stop();
    }
  });
});

async function registerNamespace(address: string) {
  const connection = await Connection.connect({ address });
  await connection.workflowService.registerNamespace({ namespace: 'owner-only-check', workflowExecutionRetentionPeriod: msToTs('1 day') });
  await connection.close();
}
