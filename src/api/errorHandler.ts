import type { ErrorRequestHandler } from 'express';
import { isDatabaseUnavailable } from '../db/databaseUnavailable';
import type { Logger } from '../logger';
import { workflowFailureAnswer } from './failureAnswers';
import { HttpError } from './httpError';

type BodyParserError = Error & { type?: string; status?: number };

// The one place errors become HTTP answers: 4xx for what the caller did, 5xx (logged) only for our faults.
export function createErrorHandler(logger: Logger): ErrorRequestHandler {
  return (error: unknown, _req, res, _next) => {
    const httpError = toHttpError(error);
    if (httpError.status >= 500) logger.error({ err: error }, 'request failed');
    res.status(httpError.status).json({
      error: {
        code: httpError.code,
        message: httpError.message,
        ...(httpError.field !== undefined && { field: httpError.field }),
        ...(httpError.details !== undefined && { details: httpError.details }),
        ...(httpError.issueCount !== undefined && httpError.issueCount > (httpError.details?.length ?? 0) && { issueCount: httpError.issueCount }),
      },
    });
  };
}

function toHttpError(error: unknown): HttpError {
  if (error instanceof HttpError) return error;
  const workflowAnswer = workflowFailureAnswer(error);
  if (workflowAnswer) return workflowAnswer;
  const parserError = error as BodyParserError;
  switch (parserError?.type) {
    case 'entity.parse.failed':
      return new HttpError(400, 'INVALID_JSON', 'the request body is not valid JSON', 'body');
    case 'entity.too.large':
      return new HttpError(413, 'PAYLOAD_TOO_LARGE', 'the request body is too large', 'body');
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new HttpError(415, 'UNSUPPORTED_ENCODING', parserError.message, 'body');
  }
  // Express could not percent-decode a path parameter (invalid UTF-8, a lone surrogate, a stray "%").
  if (error instanceof URIError) return new HttpError(400, 'INVALID_INPUT', 'path: not valid percent-encoded UTF-8', 'path');
  // A lost, refused, frozen or restarting database: the request may succeed when retried, so 503, not 500.
  if (isDatabaseUnavailable(error)) {
    return new HttpError(503, 'DATABASE_UNAVAILABLE', 'the database is unavailable or did not answer in time; retry shortly');
  }
  if (parserError?.status && parserError.status >= 400 && parserError.status < 500) {
    return new HttpError(parserError.status, 'BAD_REQUEST', parserError.message, 'body');
  }
  return new HttpError(500, 'INTERNAL', 'an internal error occurred; it has been logged');
}
