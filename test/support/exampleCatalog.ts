import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse } from 'yaml';
import { catalogDocumentSchema, type CatalogDocument, type CatalogDocumentInput } from '../../src/domain/catalog/catalogDocument';

export const EXAMPLE_CATALOG_FILE = resolve(__dirname, '../../catalog/example.yaml');

// The shipped example catalog as raw input, a fresh copy each call so tests can change it freely.
export function exampleCatalogInput(): CatalogDocumentInput & Required<Pick<CatalogDocumentInput, 'plans' | 'addons' | 'features' | 'products'>> {
  return parse(readFileSync(EXAMPLE_CATALOG_FILE, 'utf8'));
}

export function exampleCatalog(change?: (input: ReturnType<typeof exampleCatalogInput>) => void): CatalogDocument {
  const input = exampleCatalogInput();
  change?.(input);
  return catalogDocumentSchema.parse(input);
}
