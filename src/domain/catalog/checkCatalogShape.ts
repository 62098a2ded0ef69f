import { z } from 'zod';
import { valueCountExceeds } from '../input/valueCount';
import { catalogDocumentSchema, catalogEntrySchemas, type CatalogDocument, type CatalogSection } from './catalogDocument';
import { formatIssuePath } from './formatIssuePath';
import type { CatalogIssue } from './validateCatalog';

// Building an issue costs ten times more than checking a sound value, so a hostile document's work is bounded:
// each entry is checked alone, an entry may hold this many values, and checking stops after this many issues.
export const MAX_ENTRY_VALUES = 10_000;
export const MAX_SHAPE_ISSUES = 1_000;

export type ShapeCheck = { ok: true; catalog: CatalogDocument } | { ok: false; issues: CatalogIssue[] };

const sections = Object.keys(catalogEntrySchemas) as CatalogSection[];
// The document's own level (known sections, each a list), without looking into the entries.
const outlineSchema = z.strictObject(Object.fromEntries(sections.map((section) => [section, z.array(z.unknown()).optional()])));

export function checkCatalogShape(value: unknown): ShapeCheck {
  const outline = outlineSchema.safeParse(value);
  if (!outline.success) return { ok: false, issues: outline.error.issues.flatMap((issue) => toCatalogIssues(issue)) };
  const issues: CatalogIssue[] = [];
  for (const section of sections) {
    for (const [index, entry] of (outline.data[section] ?? []).entries()) {
      if (valueCountExceeds(entry, MAX_ENTRY_VALUES)) issues.push({ path: `${section}[${index}]`, message: `holds more than ${MAX_ENTRY_VALUES} values` });
      else {
        const checked = catalogEntrySchemas[section].safeParse(entry);
        if (!checked.success) issues.push(...checked.error.issues.flatMap((issue) => toCatalogIssues(issue, [section, index])));
      }
      if (issues.length >= MAX_SHAPE_ISSUES) return { ok: false, issues };
    }
  }
  if (issues.length > 0) return { ok: false, issues };
  // Every entry is sound: the whole parse is cheap now, and yields the typed document with its defaults.
  const shaped = catalogDocumentSchema.safeParse(value);
  return shaped.success ? { ok: true, catalog: shaped.data } : { ok: false, issues: shaped.error.issues.flatMap((issue) => toCatalogIssues(issue)) };
}

// An unknown key is named at its own path, one issue per key, so the caller sees exactly what to remove.
function toCatalogIssues(issue: z.core.$ZodIssue, base: PropertyKey[] = []): CatalogIssue[] {
  const path = [...base, ...issue.path];
  if (issue.code === 'unrecognized_keys') return issue.keys.map((key) => ({ path: formatIssuePath([...path, key]), message: 'is not a known field' }));
  return [{ path: formatIssuePath(path) || '(document)', message: issue.message }];
}
