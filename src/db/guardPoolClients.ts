import type pg from 'pg';

// A lost connection must cost the requests using it, never the process: pg emits 'error' on the pool
// (for idle clients, already removed) and on the client itself (also while checked out, between two
// statements), and an 'error' event without a listener is thrown. The pool's is reported; a checked-out
// client's fails its holder's next statement ("not queryable"), so that is where it is seen.
export function guardPoolClients(pool: pg.Pool, onConnectionError: (error: Error) => void): void {
  pool.on('error', (error) => onConnectionError(error));
  pool.on('connect', (client) => {
    client.on('error', () => undefined);
    discardOnReadTimeout(client);
  });
}

// After "Query read timeout" the statement may still be in flight (a frozen server answers it later, a
// BEGIN included): a client released in that state would hand the next caller a connection inside a
// transaction nobody commits. Ending it (pg destroys the socket of a client with a query in flight) makes the
// pool remove it on release, and the server rolls back what it started.
function discardOnReadTimeout(client: pg.PoolClient): void {
  const query = client.query.bind(client) as (...args: unknown[]) => unknown;
  client.query = ((...args: unknown[]) => {
    const result = query(...args);
    if (!(result instanceof Promise)) return result;
    return result.catch((error: unknown) => {
      if (error instanceof Error && error.message === 'Query read timeout') void client.end().catch(() => undefined);
      throw error;
    });
  }) as typeof client.query;
}
