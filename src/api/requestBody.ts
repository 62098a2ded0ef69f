import express, { type RequestHandler } from 'express';
import { formatIssuePath } from '../domain/catalog/parseCatalogDocument';
import { findUnstorableText, isStorableWithin, MAX_INPUT_DEPTH, nestingDepthExceeds } from '../domain/input/storableText';
import { badRequest, HttpError } from './httpError';

const BODY_LIMIT = '2mb';
const SIGNED_BODY_LIMIT = '1mb';
const JSON_TYPE = 'application/json';
const YAML_TYPES = ['application/yaml', 'application/x-yaml', 'text/yaml'];

function mediaTypeOf(header: string | undefined): string | undefined {
  return header?.split(';')[0]?.trim().toLowerCase() || undefined;
}

// Only the media types a route reads are accepted: anything else (a form, merge-patch, none) would otherwise
// reach the handler as an empty body and run a change that changes nothing.
function requireMediaType(accepted: string[], hint: string): RequestHandler {
  return (req, _res, next) => {
    const type = mediaTypeOf(req.header('content-type'));
    if (type && accepted.includes(type)) return next();
    const sent = type ? `"${type}"` : 'no Content-Type';
    throw new HttpError(415, 'UNSUPPORTED_MEDIA_TYPE', `${hint}; got ${sent}`, 'Content-Type');
  };
}

// After parsing: a depth limit (deep nesting would overflow recursive checks further in) and text Postgres can store.
const checkParsedBody: RequestHandler = (req, _res, next) => {
  if (typeof req.body !== 'object' || req.body === null) return next();
  // One quick pass for the common body; the checks below only run to name what is wrong.
  if (isStorableWithin(req.body, MAX_INPUT_DEPTH)) return next();
  if (nestingDepthExceeds(req.body, MAX_INPUT_DEPTH)) throw badRequest(`body: nested deeper than ${MAX_INPUT_DEPTH} levels`, 'body');
  const found = findUnstorableText(req.body);
  if (found) {
    const field = formatIssuePath(found.path) || 'body';
    throw badRequest(`${field}: ${found.reason}`, field);
  }
  next();
};

// A route that reads a JSON body; routes without a body mount no parser, so their bodies are never read.
export const jsonBody: RequestHandler[] = [
  requireMediaType([JSON_TYPE], 'send the body as JSON (Content-Type: application/json)'),
  express.json({ limit: BODY_LIMIT, type: JSON_TYPE }),
  checkParsedBody,
];

// The catalog: JSON, or YAML text that the route parses (and checks) itself.
export const jsonOrYamlBody: RequestHandler[] = [
  requireMediaType([JSON_TYPE, ...YAML_TYPES], 'send the catalog as JSON (application/json) or YAML (application/yaml)'),
  express.json({ limit: BODY_LIMIT, type: JSON_TYPE }),
  express.text({ limit: BODY_LIMIT, type: YAML_TYPES }),
  checkParsedBody,
];

// A signed body, kept as the exact bytes received (a parsed and re-serialised body would no longer match its signature).
// Any media type: the signature, not the header, says what it is.
export const signedRawBody: RequestHandler[] = [express.raw({ limit: SIGNED_BODY_LIMIT, type: () => true })];
