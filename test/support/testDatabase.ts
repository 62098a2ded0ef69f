import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';
import { createDb, type Db } from '../../src/db/createDb';
import { migrateToLatest } from '../../src/db/migrate';
import { createDatabaseIfMissing } from '../../src/infra/embeddedPostgres';

export type TestDatabase = { db: Db; url: string; drop: () => Promise<void> };

// A fresh, migrated database of the run's Postgres, dropped again by `drop`.
export async function createTestDatabase(): Promise<TestDatabase> {
  const adminUrl = inject('postgresAdminUrl');
  const name = `test_${randomBytes(6).toString('hex')}`;
  await createDatabaseIfMissing(adminUrl, name);
  const url = adminUrl.replace(/\/postgres$/, `/${name}`);
  const db = createDb(url, { maxConnections: 5 });
  await migrateToLatest(db);
  return {
    db,
    url,
    drop: async () => {
      await db.destroy();
      const client = new pg.Client({ connectionString: adminUrl });
      await client.connect();
      await client.query(`drop database if exists "${name}" with (force)`);
      await client.end();
    },
  };
}
