import { createServer, request, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export type HeldAnswer = {
  // Resolves once the server behind has answered the held request (it has done the work); the caller has nothing yet.
  arrived: Promise<void>;
  // Passes the held answer on to the caller (if it is still listening).
  release: () => void;
};
export type HoldingProxy = { url: string; holdNextAnswer: (method: string, path: string) => HeldAnswer; close: () => Promise<void> };

type Hold = { method: string; path: string; arrived: () => void; released: Promise<void> };

// An HTTP relay to a server that can hold back the answer to one chosen request: the server does the work, the
// caller never hears of it until released, as when a process dies between a provider's commit and its reply.
export async function startHoldingProxy(target: string): Promise<HoldingProxy> {
  const upstream = new URL(target);
  const holds: Hold[] = [];
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const index = holds.findIndex((h) => h.method === req.method && h.path === path);
    const hold = index >= 0 ? holds.splice(index, 1)[0] : undefined;
    const forward = request(
      { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: { ...req.headers, host: upstream.host } },
      (answer) => {
        const chunks: Buffer[] = [];
        answer.on('data', (chunk: Buffer) => chunks.push(chunk));
        answer.on('end', () => {
          const send = () => {
            if (res.destroyed) return;
            res.writeHead(answer.statusCode ?? 502, answer.headers as IncomingHttpHeaders);
            res.end(Buffer.concat(chunks));
          };
          if (!hold) return send();
          hold.arrived();
          void hold.released.then(send);
        });
      },
    );
    forward.on('error', () => res.destroy());
    res.on('error', () => undefined);
    req.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    holdNextAnswer: (method, path) => {
      let arrived!: () => void;
      let release!: () => void;
      const arrival = new Promise<void>((done) => (arrived = done));
      const released = new Promise<void>((done) => (release = done));
      holds.push({ method, path, arrived, released });
      return { arrived: arrival, release };
    },
    close: () => {
      server.closeAllConnections();
      return new Promise((done) => server.close(() => done()));
    },
  };
}
