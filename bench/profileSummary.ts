import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

// `npx tsx bench/profileSummary.ts <folder>`: after `BENCH_CPU_PROFILE=<folder> BENCH_ONLY=hot-path npm run bench`,
// says where the service's main thread spent each hot-path figure's time, in CPU milliseconds per request, by
// layer. A sample counts for the innermost package or src/ frame of its stack (a socket write by pg counts as pg).

type ProfileNode = { id: number; callFrame: { functionName: string; url: string }; children?: number[] };
type Profile = { nodes: ProfileNode[]; startTime: number; samples: number[]; timeDeltas: number[] };
type Window = { name: string; startedNs: string; endedNs: string; requests: number };

const LAYERS: [string, RegExp][] = [
  ['kysely (query building, compiling)', /node_modules\/kysely\//],
  ['pg driver (protocol, socket writes)', /node_modules\/(pg|pg-protocol|pg-pool|pg-types|postgres-\w+)\//],
  ['pino-http (request log)', /node_modules\/(pino|pino-http|pino-std-serializers|sonic-boom|thread-stream)\//],
  ['zod (validation)', /node_modules\/zod\//],
  ['express + router', /node_modules\/(express|router|body-parser|finalhandler|send|qs|content-type|type-is|raw-body|on-finished)\//],
  ['temporal worker', /node_modules\/@temporalio\//],
  ['tollgate src/', /\/src\//],
  ['other packages', /node_modules\//],
];

function layerOf(stack: ProfileNode[]): string {
  const leaf = stack[0]!.callFrame.functionName;
  if (leaf === '(idle)') return 'idle';
  if (leaf === '(garbage collector)') return 'garbage collector';
  for (const node of stack) {
    for (const [layer, pattern] of LAYERS) if (pattern.test(node.callFrame.url)) return layer;
  }
  return 'node internals (http, net, timers)';
}

function summarise(profile: Profile, windows: Window[]) {
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const parents = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parents.set(child, node.id);
  const stackOf = (id: number) => {
    const stack: ProfileNode[] = [];
    for (let current: number | undefined = id; current !== undefined; current = parents.get(current)) stack.push(nodes.get(current)!);
    return stack;
  };
  // Sample times are microseconds on the monotonic clock, as the bench's windows are.
  let time = profile.startTime;
  const timed = profile.samples.map((id, index) => ({ id, at: (time += profile.timeDeltas[index]!), spent: profile.timeDeltas[index]! }));
  for (const window of windows) {
    const from = Number(BigInt(window.startedNs) / 1000n);
    const to = Number(BigInt(window.endedNs) / 1000n);
    const spent = new Map<string, number>();
    for (const sample of timed) if (sample.at >= from && sample.at <= to) spent.set(layerOf(stackOf(sample.id)), (spent.get(layerOf(stackOf(sample.id))) ?? 0) + sample.spent);
    const busy = [...spent].filter(([layer]) => layer !== 'idle').reduce((sum, [, us]) => sum + us, 0);
    console.log(`\n${window.name}: ${window.requests} requests, main thread busy ${(busy / 1000 / window.requests).toFixed(2)} ms/request (${((busy / (to - from)) * 100).toFixed(0)}% of the window)`);
    for (const [layer, us] of [...spent].filter(([name]) => name !== 'idle').sort((a, b) => b[1] - a[1])) {
      console.log(`  ${layer.padEnd(38)} ${(us / 1000 / window.requests).toFixed(3).padStart(7)} ms/req  ${((us / busy) * 100).toFixed(0).padStart(3)}%`);
    }
  }
}

const folder = process.argv[2];
if (!folder) throw new Error('usage: npx tsx bench/profileSummary.ts <BENCH_CPU_PROFILE folder>');
const windows = readFileSync(join(folder, 'windows.jsonl'), 'utf8').trim().split('\n').map((line) => JSON.parse(line) as Window);
// The service's main thread writes the largest profile (the others are worker threads).
const [largest] = readdirSync(folder).filter((name) => name.endsWith('.cpuprofile')).sort((a, b) => statSync(join(folder, b)).size - statSync(join(folder, a)).size);
if (!largest) throw new Error(`no .cpuprofile in ${folder}`);
summarise(JSON.parse(readFileSync(join(folder, largest), 'utf8')) as Profile, windows);
