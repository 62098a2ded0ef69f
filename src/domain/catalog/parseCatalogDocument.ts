import { parse as parseYaml } from 'yaml';
import { catalogDocumentSchema, type CatalogDocument } from './catalogDocument';
import { validateCatalog, type CatalogIssue } from './validateCatalog';

export type ParsedCatalog = { ok: true; catalog: CatalogDocument } | { ok: false; issues: CatalogIssue[] };

export function formatIssuePath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((text, key) => (typeof key === 'number' ? `${text}[${key}]` : text ? `${text}.${String(key)}` : String(key)), '');
}

// Checks a catalog value (already decoded from YAML or JSON): shape first, then the rules across entities.
export function checkCatalogDocument(value: unknown): ParsedCatalog {
  const shaped = catalogDocumentSchema.safeParse(value);
  if (!shaped.success) {
    return { ok: false, issues: shaped.error.issues.map((issue) => ({ path: formatIssuePath(issue.path) || '(document)', message: issue.message })) };
  }
  const issues = validateCatalog(shaped.data);
  return issues.length > 0 ? { ok: false, issues } : { ok: true, catalog: shaped.data };
}

// YAML is a superset of JSON, so one parser reads both file formats.
export function parseCatalogText(text: string): ParsedCatalog {
  let value: unknown;
  try {
    value = parseYaml(text);
  } catch (error) {
    return { ok: false, issues: [{ path: '(document)', message: `not valid YAML or JSON: ${(error as Error).message}` }] };
  }
  return checkCatalogDocument(value);
}
