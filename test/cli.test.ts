import { execFile } from 'node:child_process';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findActiveApiKeyByHash } from '../src/db/repositories/apiKeys.repository';
import { hashApiKey } from '../src/services/apiKeyMaterial';
import { EXAMPLE_CATALOG_FILE } from './support/exampleCatalog';
import { createTestDatabase, type TestDatabase } from './support/testDatabase';

const run = promisify(execFile);
let database: TestDatabase;
beforeAll(async () => void (database = await createTestDatabase()));
afterAll(async () => database?.drop());

async function cli(...args: string[]): Promise<{ code: number; out: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], {
      cwd: resolve(__dirname, '..'),
      env: { ...process.env, DATABASE_URL: database.url },
    });
    return { code: 0, out: stdout + stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, out: failed.stdout + failed.stderr };
  }
}

describe('the admin CLI', () => {
  it('creates an environment with a key shown once, adds and revokes keys', async () => {
    const created = await cli('env', 'create', 'cli-env');
    expect(created.code).toBe(0);
    const firstKey = created.out.match(/tg_server_\S+/)![0];
    expect(await findActiveApiKeyByHash(database.db, hashApiKey(firstKey))).toBeDefined();
    const stored = await database.db.selectFrom('api_keys').selectAll().execute();
    expect(JSON.stringify(stored)).not.toContain(firstKey);

    const another = await cli('key', 'create', '--env', 'cli-env', '--name', 'ci');
    const keyId = another.out.match(/key_[0-9a-f]+/)![0];
    const listed = await cli('key', 'list', '--env', 'cli-env');
    expect(listed.out).toContain(`${keyId}\t`);
    expect(listed.out).not.toContain(firstKey);

    expect((await cli('key', 'revoke', keyId)).out).toContain(`revoked ${keyId}`);
    expect((await cli('key', 'list', '--env', 'cli-env')).out).toMatch(new RegExp(`${keyId}.*revoked`));
    expect(await cli('env', 'create', 'cli-env')).toEqual({ code: 1, out: expect.stringContaining('already exists') });
  });

  it('applies a catalog file idempotently and rejects a broken one naming the path', async () => {
    await cli('env', 'create', 'catalog-env');
    expect((await cli('catalog', 'apply', EXAMPLE_CATALOG_FILE, '--env', 'catalog-env')).out).toContain('12 changes applied');
    expect((await cli('catalog', 'apply', EXAMPLE_CATALOG_FILE, '--env', 'catalog-env')).out).toContain('no changes');
    const broken = join(mkdtempSync(join(tmpdir(), 'tollgate-cli-')), 'broken.yaml');
    writeFileSync(broken, 'plans: [{ id: p, productId: nowhere, displayName: P, pricingType: FREE }]');
    const rejected = await cli('catalog', 'apply', broken, '--env', 'catalog-env');
    expect(rejected.code).toBe(1);
    expect(rejected.out).toContain('plans[0].productId: unknown product "nowhere"');
    expect((await cli('catalog', 'apply', EXAMPLE_CATALOG_FILE, '--env', 'missing-env')).out).toContain('no environment named "missing-env"');
  });
});
