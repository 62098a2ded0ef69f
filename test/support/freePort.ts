import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

// The kernel hands out ports from this range for listen(0) and for every outgoing connection, so a port it gave
// us may be taken by somebody's connection before our server binds it (a test once failed so). Ports are chosen
// below the range instead, and checked free by binding them.
function ephemeralRangeStart(): number {
  try {
    return Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]) || 32768;
  } catch {
    return 32768;
  }
}
const LOWEST = 10_000;
const HIGHEST = Math.max(LOWEST + 1_000, ephemeralRangeStart());
const handedOut = new Set<number>();

const canBind = (port: number) =>
  new Promise<boolean>((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });

// A port nobody listens on right now, outside the kernel's ephemeral range, never handed out twice by this process.
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = LOWEST + Math.floor(Math.random() * (HIGHEST - LOWEST));
    if (handedOut.has(port) || !(await canBind(port))) continue;
    handedOut.add(port);
    return port;
  }
  throw new Error(`no free port found between ${LOWEST} and ${HIGHEST}`);
}
