import { Worker } from 'node:worker_threads';
import { describeYamlFailure, screenYamlText, YAML_PARSE_OPTIONS, type ParsedYaml } from '../domain/input/parseYamlText';

// The yaml package needs seconds per megabyte (more with aliases): a caller's text is parsed on a worker thread,
// so the event loop keeps serving every other request, with its heap and its time capped.
const PARSE_TIMEOUT_MS = 20_000;
const PARSER_HEAP_MB = 512;
const PARALLEL_PARSES = 2;

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { parse } = require(workerData.yamlPath);
let answer;
try {
  answer = { ok: true, value: parse(workerData.text, workerData.options) };
} catch (error) {
  answer = { ok: false, failure: { message: String(error && error.message), pos: error && error.pos } };
}
try {
  parentPort.postMessage(answer);
} catch (error) {
  parentPort.postMessage({ ok: false, failure: { message: 'the parsed value cannot be read back: ' + String(error && error.message) } });
}`;

type WorkerAnswer = { ok: true; value: unknown } | { ok: false; failure: { message: string; pos?: [number, number] } };

let running = 0;
const waiting: (() => void)[] = [];

export async function parseYamlOffThread(text: string, maxDepth: number): Promise<ParsedYaml> {
  const refused = screenYamlText(text, maxDepth);
  if (refused) return refused;
  // At most a few parses at once, whatever the number of callers: each may use a core and its heap cap.
  if (running >= PARALLEL_PARSES) await new Promise<void>((resolve) => waiting.push(resolve));
  running++;
  try {
    const answer = await runParser(text);
    return answer.ok ? answer : describeYamlFailure(text, answer.failure, maxDepth);
  } finally {
    running--;
    waiting.shift()?.();
  }
}

function runParser(text: string): Promise<WorkerAnswer> {
  return new Promise((resolve) => {
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { text, options: YAML_PARSE_OPTIONS, yamlPath: require.resolve('yaml') },
      resourceLimits: { maxOldGenerationSizeMb: PARSER_HEAP_MB },
    });
    const fail = (message: string) => resolve({ ok: false, failure: { message } });
    const timer = setTimeout(() => {
      fail(`took longer than ${PARSE_TIMEOUT_MS / 1000} s to parse; send it as JSON or in a simpler form`);
      void worker.terminate();
    }, PARSE_TIMEOUT_MS);
    worker.once('message', (answer: WorkerAnswer) => resolve(answer));
    worker.once('error', (error: Error & { code?: string }) =>
      fail(error.code === 'ERR_WORKER_OUT_OF_MEMORY' ? `needs more than ${PARSER_HEAP_MB} MB to parse` : error.message),
    );
    worker.once('exit', () => {
      clearTimeout(timer);
      fail('the parser stopped before answering');
    });
  });
}
