import { connect, createServer, type Socket } from 'node:net';

export type FreezableProxy = { port: number; freeze: () => void; thaw: () => void; close: () => Promise<void> };

// A TCP relay to a real server that can stop passing bytes either way, as a frozen (SIGSTOPped) or
// partitioned server looks from the client: connections open, nothing comes back. Thawing delivers what waited.
export function startFreezableProxy(target: { host: string; port: number }): Promise<FreezableProxy> {
  let frozen = false;
  const held: (() => void)[] = [];
  const sockets = new Set<Socket>();
  const relay = (from: Socket, to: Socket) => {
    from.on('data', (chunk) => (frozen ? held.push(() => to.write(chunk)) : to.write(chunk)));
    from.on('close', () => to.destroy());
    from.on('error', () => to.destroy());
  };
  const server = createServer((client) => {
    const upstream = connect(target.port, target.host);
    for (const socket of [client, upstream]) sockets.add(socket);
    relay(client, upstream);
    relay(upstream, client);
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      resolve({
        port: typeof address === 'object' && address ? address.port : 0,
        freeze: () => void (frozen = true),
        thaw: () => {
          frozen = false;
          for (const deliver of held.splice(0)) deliver();
        },
        close: () => {
          for (const socket of sockets) socket.destroy();
          return new Promise((done) => server.close(() => done()));
        },
      });
    });
  });
}
