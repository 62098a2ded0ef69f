import { createHash } from 'node:crypto';
import type { Db } from '../db/createDb';
import { findCatalogFileDigest, recordCatalogFileApplication } from '../db/repositories/catalogFileApplications.repository';
import { canonicalJson } from '../domain/canonicalJson';
import type { CatalogIssue } from '../domain/catalog/validateCatalog';
import type { CatalogChangeSummary } from '../domain/catalog/catalogChangeSummary';
import { applyCatalog } from './applyCatalog';
import { readCatalogFile } from './bootstrap';

export type CatalogFileAtStart =
  | { outcome: 'disabled' }
  // The file's content is what was last applied from it: what the API applied since is kept.
  | { outcome: 'skipped'; file: string }
  | { outcome: 'unchanged'; file: string }
  | { outcome: 'applied'; file: string; changes: CatalogChangeSummary[] }
  | { outcome: 'rejected'; file: string; issues: CatalogIssue[] };

// The catalog file (TOLLGATE_CATALOG_FILE) at start: applied the first time, then only when its content changed
// since it was last applied from the file, so a restart never reverts a catalog applied through the API.
export async function applyCatalogFileAtStart(db: Db, environmentId: string, file: string | undefined): Promise<CatalogFileAtStart> {
  if (file === undefined) return { outcome: 'disabled' };
  const parsed = readCatalogFile(file);
  if (!parsed.ok) return { outcome: 'rejected', file, issues: parsed.issues };
  // The digest of the parsed document: comments and layout are not content.
  const contentDigest = createHash('sha256').update(canonicalJson(parsed.catalog)).digest('hex');
  if ((await findCatalogFileDigest(db, environmentId)) === contentDigest) return { outcome: 'skipped', file };
  const result = await applyCatalog(db, environmentId, parsed.catalog);
  if (!result.ok) return { outcome: 'rejected', file, issues: result.issues };
  await recordCatalogFileApplication(db, environmentId, { filePath: file, contentDigest });
  return result.changed ? { outcome: 'applied', file, changes: result.changes } : { outcome: 'unchanged', file };
}

// The "Catalog" line of the start banner.
export function describeCatalogFileAtStart(result: Exclude<CatalogFileAtStart, { outcome: 'rejected' }>): string {
  switch (result.outcome) {
    case 'disabled':
      return 'disabled (TOLLGATE_CATALOG_FILE is empty)';
    case 'skipped':
      return `${result.file} (skipped: file unchanged since last applied)`;
    case 'unchanged':
      return `${result.file} (unchanged)`;
    case 'applied':
      return `${result.file} (${result.changes.length} ${result.changes.length === 1 ? 'change' : 'changes'} applied)`;
  }
}
