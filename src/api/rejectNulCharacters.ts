import type { RequestHandler } from 'express';
import { formatIssuePath } from '../domain/catalog/parseCatalogDocument';
import { badRequest } from './httpError';

// Postgres cannot store U+0000 in text or jsonb; such input is refused at the edge, naming the field,
// before it can reach a query or a workflow that would retry it forever.
export const rejectNulCharacters: RequestHandler = (req, _res, next) => {
  const path = findNul(req.body, []);
  if (path) {
    const field = formatIssuePath(path) || 'body';
    throw badRequest(`${field}: must not contain the NUL character (\\u0000)`, field);
  }
  next();
};

function findNul(value: unknown, path: (string | number)[]): (string | number)[] | undefined {
  if (typeof value === 'string') return value.includes('\u0000') ? path : undefined;
  if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) {
      const found = findNul(item, [...path, index]);
      if (found) return found;
    }
    return undefined;
  }
  if (value && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      if (key.includes('\u0000')) return [...path, key];
      const found = findNul(item, [...path, key]);
      if (found) return found;
    }
  }
  return undefined;
}
