import { sql } from 'kysely';
import type { CatalogChangeSummary } from '../domain/catalog/catalogChangeSummary';
import type { CatalogDocument } from '../domain/catalog/catalogDocument';
import { publishedPackageEvents } from '../domain/catalog/publishedPackageEvents';
import { planCatalogChanges, type CatalogChange } from '../domain/catalog/planCatalogChanges';
import type { CatalogIssue } from '../domain/catalog/validateCatalog';
import { commitChange } from '../db/commitChange';
import type { Db } from '../db/createDb';
import { loadStoredCatalog } from '../db/repositories/catalogRead.repository';
import { writeCatalogChange } from '../db/repositories/catalogWrite.repository';

export type ApplyCatalogResult =
  | { ok: true; changed: boolean; changes: CatalogChangeSummary[] }
  | { ok: false; issues: CatalogIssue[] };

// Applies a validated document in one transaction, serialised per environment so two applies never interleave;
// each plan or add-on version it publishes is told to the change stream in the same transaction.
export async function applyCatalog(db: Db, environmentId: string, catalog: CatalogDocument): Promise<ApplyCatalogResult> {
  const { result } = await commitChange(db, {
    environmentId,
    write: async (trx): Promise<{ result: ApplyCatalogResult; changes: CatalogChange[] }> => {
      await sql`select pg_advisory_xact_lock(hashtext(${`catalog:${environmentId}`}))`.execute(trx);
      const stored = await loadStoredCatalog(trx, environmentId);
      const { changes, issues } = planCatalogChanges(stored, catalog);
      if (issues.length > 0) return { result: { ok: false, issues }, changes: [] };
      for (const change of changes) await writeCatalogChange(trx, environmentId, change);
      return { result: { ok: true, changed: changes.length > 0, changes: changes.map(summarise) }, changes };
    },
    recompute: () => [],
    events: ({ changes }) => (changes.length === 0 ? [] : [...publishedPackageEvents(changes), { type: 'catalog.changed', customerId: null, resourceId: null, payload: { changes: changes.length } }]),
  });
  return result;
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
