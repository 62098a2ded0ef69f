import { sql } from 'kysely';
import type { CatalogChangeSummary } from '../domain/catalog/catalogChangeSummary';
import type { CatalogDocument } from '../domain/catalog/catalogDocument';
import { planCatalogChanges, type CatalogChange } from '../domain/catalog/planCatalogChanges';
import type { CatalogIssue } from '../domain/catalog/validateCatalog';
import type { Db } from '../db/createDb';
import { loadStoredCatalog } from '../db/repositories/catalogRead.repository';
import { writeCatalogChange } from '../db/repositories/catalogWrite.repository';

export type ApplyCatalogResult =
  | { ok: true; changed: boolean; changes: CatalogChangeSummary[] }
  | { ok: false; issues: CatalogIssue[] };

// Applies a validated document in one transaction, serialised per environment so two applies never interleave.
export async function applyCatalog(db: Db, environmentId: string, catalog: CatalogDocument): Promise<ApplyCatalogResult> {
  return db.transaction().execute(async (trx) => {
    await sql`select pg_advisory_xact_lock(hashtext(${`catalog:${environmentId}`}))`.execute(trx);
    const stored = await loadStoredCatalog(trx, environmentId);
    const { changes, issues } = planCatalogChanges(stored, catalog);
    if (issues.length > 0) return { ok: false, issues };
    for (const change of changes) await writeCatalogChange(trx, environmentId, change);
    return { ok: true, changed: changes.length > 0, changes: changes.map(summarise) };
  });
}

function summarise(change: CatalogChange): CatalogChangeSummary {
  if (change.type === 'archive') return { entity: change.entity, id: change.id, action: 'archived' };
  if (change.type === 'upsert') return { entity: change.entity, id: change.id, action: change.action };
  const action =
    change.packageAction === 'create'
      ? 'created'
      : change.versionAction === 'insert'
        ? `version${change.status === 'DRAFT' ? 'Drafted' : 'Published'}`
        : change.versionAction === 'replaceDraft'
          ? change.status === 'PUBLISHED' ? 'draftPublished' : 'draftUpdated'
          : 'restored';
  return { entity: change.entity, id: change.id, action, version: change.version };
}
