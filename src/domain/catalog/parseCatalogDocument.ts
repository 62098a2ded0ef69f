import type { z } from 'zod';
import { parseYamlText, type ParsedYaml } from '../input/parseYamlText';
import { findUnstorableText, MAX_INPUT_DEPTH, nestingDepthExceeds } from '../input/storableText';
import { valueCountExceeds } from '../input/valueCount';
import { catalogDocumentSchema, type CatalogDocument } from './catalogDocument';
import { validateCatalog, type CatalogIssue } from './validateCatalog';

export type ParsedCatalog = { ok: true; catalog: CatalogDocument } | { ok: false; issues: CatalogIssue[] };

// The most values (objects, arrays, scalars; YAML aliases expanded) a document may hold: a 2 MB catalog written
// out holds about 100,000. Validation work (on the event loop), and so the error list, is bounded by it.
export const MAX_CATALOG_VALUES = 100_000;
const DOCUMENT = '(document)';

// A path segment is clipped so that an absurdly long unknown key cannot make an error answer large.
const MAX_KEY_LENGTH = 100;
export function formatIssuePath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((text, key) => {
    if (typeof key === 'number') return `${text}[${key}]`;
    const name = String(key).length > MAX_KEY_LENGTH ? `${String(key).slice(0, MAX_KEY_LENGTH)}…` : String(key);
    return text ? `${text}.${name}` : name;
  }, '');
}

// Checks a catalog value (already decoded from YAML or JSON): size and storability, shape, then the rules across entities.
export function checkCatalogDocument(value: unknown): ParsedCatalog {
  const unsafe = findUnsafeInput(value);
  if (unsafe) return { ok: false, issues: [unsafe] };
  const shaped = catalogDocumentSchema.safeParse(value);
  if (!shaped.success) return { ok: false, issues: shaped.error.issues.flatMap(toCatalogIssues) };
  const issues = validateCatalog(shaped.data);
  return issues.length > 0 ? { ok: false, issues } : { ok: true, catalog: shaped.data };
}

// YAML is a superset of JSON, so one parser reads both file formats.
export function parseCatalogText(text: string): ParsedCatalog {
  return checkParsedCatalogText(parseYamlText(text, MAX_INPUT_DEPTH));
}

// The checks after a YAML parse, wherever it ran (the API parses callers' text off the event loop).
export function checkParsedCatalogText(parsed: ParsedYaml): ParsedCatalog {
  return parsed.ok ? checkCatalogDocument(parsed.value) : { ok: false, issues: [{ path: DOCUMENT, message: parsed.message }] };
}

// In this order: the count bounds the walks after it, even through aliases that make the value a cycle.
function findUnsafeInput(value: unknown): CatalogIssue | undefined {
  if (valueCountExceeds(value, MAX_CATALOG_VALUES))
    return { path: DOCUMENT, message: `holds more than ${MAX_CATALOG_VALUES} values (YAML aliases expanded): split the catalog or use fewer aliases` };
  if (nestingDepthExceeds(value, MAX_INPUT_DEPTH)) return { path: DOCUMENT, message: `nests deeper than ${MAX_INPUT_DEPTH} levels` };
  const unstorable = findUnstorableText(value);
  if (unstorable) return { path: formatIssuePath(unstorable.path) || DOCUMENT, message: unstorable.reason };
  return undefined;
}

// An unknown key is named at its own path, one issue per key, so the caller sees exactly what to remove.
function toCatalogIssues(issue: z.core.$ZodIssue): CatalogIssue[] {
  if (issue.code === 'unrecognized_keys')
    return issue.keys.map((key) => ({ path: formatIssuePath([...issue.path, key]), message: 'is not a known field' }));
  return [{ path: formatIssuePath(issue.path) || DOCUMENT, message: issue.message }];
}
