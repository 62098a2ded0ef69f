import { parseYamlText, type ParsedYaml } from '../input/parseYamlText';
import { findUnstorableText, MAX_INPUT_DEPTH, nestingDepthExceeds } from '../input/storableText';
import { valueCountExceeds } from '../input/valueCount';
import type { CatalogDocument } from './catalogDocument';
import { checkCatalogShape } from './checkCatalogShape';
import { formatIssuePath } from './formatIssuePath';
import { validateCatalog, type CatalogIssue } from './validateCatalog';

export type ParsedCatalog = { ok: true; catalog: CatalogDocument } | { ok: false; issues: CatalogIssue[] };

// The most values (objects, arrays, scalars; YAML aliases expanded) a document may hold: a 2 MB catalog written
// out holds about 100,000. The walks below (on the event loop) are bounded by it.
export const MAX_CATALOG_VALUES = 100_000;
const DOCUMENT = '(document)';

// Kept here too: the API's validation helpers import it from this module.
export { formatIssuePath };

// Checks a catalog value (already decoded from YAML or JSON): size and storability, shape, then the rules across entities.
export function checkCatalogDocument(value: unknown): ParsedCatalog {
  const unsafe = findUnsafeInput(value);
  if (unsafe) return { ok: false, issues: [unsafe] };
  const shaped = checkCatalogShape(value);
  if (!shaped.ok) return shaped;
  const issues = validateCatalog(shaped.catalog);
  return issues.length > 0 ? { ok: false, issues } : { ok: true, catalog: shaped.catalog };
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
