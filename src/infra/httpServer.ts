import type { Express } from 'express';
import type { Server } from 'node:http';
import type { Duplex } from 'node:stream';

export async function listen(app: Express, port: number, host: string): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = app.listen(port, host, (error?: Error) => (error ? reject(error) : resolve(server)));
    server.on('clientError', answerClientError);
  });
}

// Requests Node refuses before Express sees them (headers too large, malformed) still get the API's JSON error shape.
function answerClientError(error: Error & { code?: string }, socket: Duplex): void {
  if (!socket.writable || (socket as { _httpMessage?: unknown })._httpMessage) return void socket.destroy();
  const tooLarge = error.code === 'HPE_HEADER_OVERFLOW';
  const [status, reason, code, message] = tooLarge
    ? [431, 'Request Header Fields Too Large', 'HEADERS_TOO_LARGE', 'the request headers are too large (16 KB at most)']
    : [400, 'Bad Request', 'MALFORMED_REQUEST', 'the request is not valid HTTP'];
  const body = JSON.stringify({ error: { code, message, ...(tooLarge && { field: 'headers' }) } });
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

// Stops accepting, lets in-flight requests finish, then drops idle keep-alive sockets.
export async function closeServer(server: Server): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  await closed;
}
