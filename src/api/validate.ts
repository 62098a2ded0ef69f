import type { z } from 'zod';
import { formatIssuePath } from '../domain/catalog/parseCatalogDocument';
import { badRequest } from './httpError';

// Returns zod's parsed value (defaults applied, strings normalised); the first issue names the field.
export function parseInput<S extends z.ZodType>(schema: S, value: unknown, where: 'body' | 'query' | 'path' = 'body'): z.infer<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issues = result.error.issues.map((issue) => {
    // An unexpected key is named itself, so the caller sees which field to remove.
    const path = issue.code === 'unrecognized_keys' ? [...issue.path, issue.keys[0]!] : issue.path;
    const message = issue.code === 'unrecognized_keys' ? 'is not a known field' : issue.message;
    return { field: formatIssuePath(path) || where, message };
  });
  const first = issues[0]!;
  throw badRequest(`${first.field}: ${first.message}`, first.field, issues);
}
