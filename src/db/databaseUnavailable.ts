import { DatabaseError } from 'pg';

// SQLSTATEs that say Postgres cannot serve us right now, never that the SQL or the data was wrong:
// 08 connection exception (but 08P01, a protocol violation, is our bug), 53 insufficient resources
// (e.g. too many connections), 57014 statement timeout, 57P01-57P03 admin shutdown, crash shutdown,
// cannot connect now (starting or stopping).
const UNAVAILABLE_SQLSTATE = /^(08(?!P01)...|53...|57014|57P0[123])$/;

// Socket errors of a connection that is refused, dropped or unreachable.
const NETWORK_ERROR_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ECONNABORTED', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);

// What pg, pg-pool and Kysely say (as plain Errors) when a connection is lost or an answer never comes.
const CONNECTION_FAILURE_MESSAGES = [
  /^Connection terminated/, // unexpectedly, or due to connection timeout
  /^timeout exceeded when trying to connect$/, // waited too long for a free client of the pool
  /^Query read timeout$/, // the server did not answer within query_timeout
  /is not queryable$/, // a client whose connection already failed
  /^Postgres connection has been discarded$/,
];

// True for faults of the database connection (the request may succeed when retried), false for
// errors the statement or its data caused, and for anything else.
export function isDatabaseUnavailable(error: unknown): boolean {
  for (let cause = error, depth = 0; cause instanceof Error && depth < 10; cause = cause.cause, depth++) {
    if (cause instanceof DatabaseError) return UNAVAILABLE_SQLSTATE.test(cause.code ?? '');
    const code = (cause as { code?: unknown }).code;
    if (typeof code === 'string' && NETWORK_ERROR_CODES.has(code)) return true;
    if (CONNECTION_FAILURE_MESSAGES.some((pattern) => pattern.test(cause.message))) return true;
    // A host name with several addresses fails with one error per address.
    if (cause instanceof AggregateError && cause.errors.some((inner) => isDatabaseUnavailable(inner))) return true;
  }
  return false;
}
