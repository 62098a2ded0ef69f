import { sql } from 'kysely';
import type { DbOrTransaction } from '../createDb';

export type MigratedPackage = { environmentId: string; packageId: string; kind: 'PLAN' | 'ADDON' };

// The package's newest published version (undefined: unknown, archived, of the other kind, or never published).
export async function findLatestPublishedVersion(db: DbOrTransaction, target: MigratedPackage): Promise<number | undefined> {
  const row = await db
    .selectFrom('package_versions as v')
    .innerJoin('packages as p', (join) => join.onRef('p.environment_id', '=', 'v.environment_id').onRef('p.id', '=', 'v.package_id'))
    .select((eb) => eb.fn.max('v.version').as('version'))
    .where('v.environment_id', '=', target.environmentId)
    .where('v.package_id', '=', target.packageId)
    .where('v.status', '=', 'PUBLISHED')
    .where('p.kind', '=', target.kind)
    .where('p.archived_at', 'is', null)
    .executeTakeFirst();
  return row?.version ?? undefined;
}

// Live subscriptions (paid or trial) still on an older version of the package: the plan itself, or an add-on they hold.
function olderThan(db: DbOrTransaction, target: MigratedPackage, latestVersion: number) {
  return db
    .selectFrom('subscriptions')
    .where('environment_id', '=', target.environmentId)
    .where('live_slot', 'in', ['PAID', 'TRIAL'])
    .$if(target.kind === 'PLAN', (query) => query.where('plan_id', '=', target.packageId).where('plan_version', '<', latestVersion))
    .$if(target.kind === 'ADDON', (query) =>
      query.where(sql<boolean>`exists (select 1 from jsonb_array_elements(addons) as held where held->>'addonId' = ${target.packageId} and (held->>'version')::int < ${latestVersion})`),
    );
}

export async function countSubscriptionsOnOlderVersions(db: DbOrTransaction, target: MigratedPackage, latestVersion: number): Promise<number> {
  const row = await olderThan(db, target, latestVersion).select((eb) => eb.fn.countAll<string>().as('count')).executeTakeFirstOrThrow();
  return Number(row.count);
}

// One page of them, by id after `after` (keyset paging: a migrated subscription leaves the set without moving the rest).
export async function listSubscriptionsOnOlderVersions(db: DbOrTransaction, target: MigratedPackage, latestVersion: number, page: { after: string | null; limit: number }): Promise<string[]> {
  const rows = await olderThan(db, target, latestVersion)
    .select('id')
    .$if(page.after !== null, (query) => query.where('id', '>', page.after!))
    .orderBy('id')
    .limit(page.limit)
    .execute();
  return rows.map((row) => row.id);
}
