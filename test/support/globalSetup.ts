import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { startEmbeddedPostgres } from '../../src/infra/embeddedPostgres';
import { freePort } from './freePort';

declare module 'vitest' {
  export interface ProvidedContext {
    postgresAdminUrl: string;
  }
}

// One real Postgres for the whole run, in a throw-away folder; each test file makes its own database in it.
export default async function setup(project: TestProject) {
  const dataDir = mkdtempSync(join(tmpdir(), 'tollgate-test-pg-'));
  // Postgres runs as the unprivileged "postgres" user when we are root; it must reach its folder.
  chmodSync(dataDir, 0o755);
  const postgres = await startEmbeddedPostgres({ dataDir, port: await freePort(), database: 'postgres' });
  project.provide('postgresAdminUrl', postgres.connectionString('postgres'));
  return async () => {
    await postgres.stop();
    rmSync(dataDir, { recursive: true, force: true });
  };
}
