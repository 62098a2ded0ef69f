import { setMaxListeners } from 'node:events';
import { Agent, request as httpRequest } from 'node:http';
import { summarise, type LatencySummary } from './latency';

// A small HTTP load generator on Node's own keep-alive client: a closed loop (N connections, each sending its next
// request as soon as the previous one answers) for throughput, and an open loop at a fixed rate whose latencies
// count from each request's scheduled send time, so queueing behind a slow answer is measured, not hidden.

export type LoadTarget = { host: string; port: number; headers?: Record<string, string> };
export type LoadRequest = { method: 'GET' | 'POST'; path: string; body?: unknown };
export type LoadResult = {
  sent: number;
  ok: number;
  // Non-2xx answers and failed connections, by status ("ECONNRESET" for a failure), with the first body seen.
  errors: Record<string, { count: number; firstBody: string }>;
  seconds: number;
  // Successful answers per second of the run.
  throughput: number;
  // Successful answers only: a latency made of error answers would mislead.
  latency: LatencySummary;
  // Those answers' latencies in milliseconds, kept so that slices of one figure can be merged.
  samples: number[];
};

// A call's status: an HTTP status ("200"), or an error code for a call that failed without one.
export type Outcome = { status: string; body: string };

// Aborting `signal` drops every request not yet answered, those still queued for a connection in the agent too
// (destroying the agent alone would not: its queue would go on sending on fresh connections).
function sender(target: LoadTarget, agent: Agent, signal?: AbortSignal) {
  return (spec: LoadRequest): Promise<Outcome> =>
    new Promise((done) => {
      const body = spec.body === undefined ? undefined : JSON.stringify(spec.body);
      const headers: Record<string, string | number> = { ...target.headers, ...(body !== undefined && { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }) };
      const outgoing = httpRequest({ host: target.host, port: target.port, method: spec.method, path: spec.path, headers, agent, signal }, (answer) => {
        const status = answer.statusCode ?? 0;
        const success = status >= 200 && status < 300;
        let text = '';
        answer.setEncoding('utf8');
        // A success's body is read (the server pays for writing it) but not kept; an error's is kept to report.
        answer.on('data', (chunk: string) => void (success ? undefined : (text += chunk)));
        answer.on('end', () => done({ status: String(status), body: text }));
        answer.on('error', (error: NodeJS.ErrnoException) => done({ status: error.code ?? 'ERROR', body: error.message }));
      });
      outgoing.on('error', (error: NodeJS.ErrnoException) => done({ status: error.code ?? 'ERROR', body: error.message }));
      outgoing.end(body);
    });
}

function collector() {
  const samples: number[] = [];
  const errors: LoadResult['errors'] = {};
  let sent = 0;
  return {
    record(outcome: Outcome, milliseconds: number) {
      sent++;
      if (outcome.status.startsWith('2') && outcome.status.length === 3) samples.push(milliseconds);
      else (errors[outcome.status] ??= { count: 0, firstBody: outcome.body.slice(0, 300) }).count++;
    },
    result(seconds: number): LoadResult {
      return resultOf(sent, errors, seconds, samples);
    },
  };
}

const resultOf = (sent: number, errors: LoadResult['errors'], seconds: number, samples: number[]): LoadResult => ({
  sent,
  ok: samples.length,
  errors,
  seconds,
  throughput: samples.length / seconds,
  latency: summarise(samples.length > 0 ? samples : [Number.NaN]),
  samples,
});

// One figure from slices of it run at different times (interleaved with its reference's slices).
export function mergeResults(parts: LoadResult[]): LoadResult {
  const errors: LoadResult['errors'] = {};
  for (const part of parts) for (const [status, error] of Object.entries(part.errors)) (errors[status] ??= { count: 0, firstBody: error.firstBody }).count += error.count;
  const sum = (value: (part: LoadResult) => number) => parts.reduce((total, part) => total + value(part), 0);
  return resultOf(sum((part) => part.sent), errors, sum((part) => part.seconds), parts.flatMap((part) => part.samples));
}

const now = () => Number(process.hrtime.bigint()) / 1e6;

// `concurrency` callers, each calling again as soon as its call answers, for `seconds`: the loop both HTTP and
// Postgres figures run in.
export async function runClosedLoop(options: { concurrency: number; seconds: number }, call: (index: number) => Promise<Outcome>): Promise<LoadResult> {
  const results = collector();
  const started = now();
  const endAt = started + options.seconds * 1000;
  let next = 0;
  const caller = async () => {
    while (now() < endAt) {
      const sentAt = now();
      const outcome = await call(next++);
      results.record(outcome, now() - sentAt);
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, caller));
  return results.result((now() - started) / 1000);
}

// `concurrency` keep-alive connections, each busy for `seconds`: throughput and the latency of each answer.
export async function closedLoop(target: LoadTarget, options: { concurrency: number; seconds: number; request: (index: number) => LoadRequest }): Promise<LoadResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: options.concurrency });
  const send = sender(target, agent);
  try {
    return await runClosedLoop(options, (index) => send(options.request(index)));
  } finally {
    agent.destroy();
  }
}

export type OpenLoopResult = LoadResult & { targetRate: number; achievedRate: number; unanswered: number };

// Requests scheduled every 1/rate s for `seconds`, whatever the answers do; each latency runs from the scheduled
// time. Up to `maxConnections` are open at once: past that, requests wait for a connection, and that wait counts.
// Requests still unanswered `graceSeconds` after the last was due are given up and counted as UNANSWERED errors
// (their latency is at least that long), so a service far below the rate does not hold the bench for minutes.
export async function openLoop(target: LoadTarget, options: { rate: number; seconds: number; request: (index: number) => LoadRequest; maxConnections?: number; graceSeconds?: number }): Promise<OpenLoopResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: options.maxConnections ?? 256 });
  const giveUp = new AbortController();
  // One listener per pending request, by design.
  setMaxListeners(0, giveUp.signal);
  const send = sender(target, agent, giveUp.signal);
  const results = collector();
  const interval = 1000 / options.rate;
  const total = Math.round(options.rate * options.seconds);
  const started = now();
  const inFlight: Promise<void>[] = [];
  let scheduled = 0;
  let givenUp = false;
  // Sends everything due, then sleeps until the next is due: timers are coarse, the schedule is not.
  while (scheduled < total) {
    const elapsed = now() - started;
    while (scheduled < total && scheduled * interval <= elapsed) {
      const scheduledAt = started + scheduled * interval;
      inFlight.push(send(options.request(scheduled)).then((outcome) => void (givenUp ? undefined : results.record(outcome, now() - scheduledAt))));
      scheduled++;
    }
    if (scheduled < total) await new Promise((wake) => setTimeout(wake, Math.max(0, scheduled * interval - (now() - started))));
  }
  let answered = 0;
  for (const request of inFlight) void request.then(() => answered++);
  const grace = new Promise<void>((done) => setTimeout(done, (options.graceSeconds ?? 10) * 1000).unref());
  await Promise.race([Promise.all(inFlight), grace]);
  givenUp = true;
  const seconds = (now() - started) / 1000;
  const unanswered = total - answered;
  giveUp.abort();
  agent.destroy();
  for (let index = 0; index < unanswered; index++) results.record({ status: 'UNANSWERED', body: `no answer ${options.graceSeconds ?? 10} s after the schedule ended` }, Number.NaN);
  const result = results.result(seconds);
  return { ...result, targetRate: options.rate, achievedRate: result.ok / seconds, unanswered };
}
