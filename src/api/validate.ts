import type { z } from 'zod';
import { formatIssuePath } from '../domain/catalog/parseCatalogDocument';
import { invalidInput, type ErrorDetail } from './httpError';

// zod's issues as the API reports them: an unexpected key is named itself, so the caller sees which field to remove.
export function toErrorDetails(issues: readonly z.core.$ZodIssue[], where = 'body'): ErrorDetail[] {
  return issues.map((issue) => {
    const path = issue.code === 'unrecognized_keys' ? [...issue.path, issue.keys[0]!] : issue.path;
    const message = issue.code === 'unrecognized_keys' ? 'is not a known field' : issue.message;
    return { field: formatIssuePath(path) || where, message };
  });
}

// Returns zod's parsed value (defaults applied, strings normalised); the first issue names the field.
export function parseInput<S extends z.ZodType>(schema: S, value: unknown, where: 'body' | 'query' | 'path' = 'body'): z.infer<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw invalidInput(toErrorDetails(result.error.issues, where));
}
