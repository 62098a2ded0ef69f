import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Tollgate from '@tollgate/node-sdk';
import { summarise, type LatencySummary } from './latency';
import { measureCheckRates, type CheckRates } from './sdkCheckRates';

// The cached-check figures, measured in a node process of their own that loads only the SDK, as an application
// would: the bench's own process also runs a Temporal client, whose async-context hooks tax every promise (about a
// quarter of a cached check's CPU when measured there).
export type SdkCheckInput = { baseUrl: string; apiKey: string; hot: string[]; metered: string[]; checks: number; latencySamples: number };
export type SdkCheckOutput = { rates: CheckRates; cachedCheck: LatencySummary; streamLosses: number };

const now = () => Number(process.hrtime.bigint()) / 1e6;

export function measureChecksInOwnProcess(input: SdkCheckInput): Promise<SdkCheckOutput> {
  const folder = mkdtempSync(join(tmpdir(), 'tollgate-sdk-bench-'));
  const inputFile = join(folder, 'input.json');
  const outputFile = join(folder, 'output.json');
  writeFileSync(inputFile, JSON.stringify(input));
  const child = spawn(process.execPath, ['--import', 'tsx', __filename, inputFile, outputFile], { cwd: resolve(__dirname, '..'), stdio: ['ignore', 'inherit', 'inherit'] });
  return new Promise<SdkCheckOutput>((done, fail) => {
    child.once('exit', (code) => {
      try {
        if (code !== 0) throw new Error(`the SDK check process exited with ${code}`);
        done(JSON.parse(readFileSync(outputFile, 'utf8')) as SdkCheckOutput);
      } catch (error) {
        fail(error);
      } finally {
        rmSync(folder, { recursive: true, force: true });
      }
    });
  });
}

async function main(inputFile: string, outputFile: string) {
  const input = JSON.parse(readFileSync(inputFile, 'utf8')) as SdkCheckInput;
  const client = Tollgate.initialize({ apiKey: input.apiKey, baseUri: input.baseUrl, memoryCacheMaxSizeBytes: 1024 ** 3, logConfiguration: { logLevel: 'error' } });
  await client.waitForInitialization();
  // A stream taken for dead (and reconnected) during the run would show here: none is expected.
  let streamLosses = 0;
  client.addListener('networkRequestFailed', ({ path }) => void (path === '/v1/stream' && streamLosses++));
  try {
    for (const customerId of [...input.hot, ...input.metered]) await client.getEntitlements(customerId);
    const rates = await measureCheckRates(client, input.checks, input.hot, input.metered);
    await new Promise((resolve) => setImmediate(resolve));
    const samples: number[] = [];
    for (let index = 0; index < input.latencySamples; index++) {
      const started = now();
      await client.getBooleanEntitlement({ customerId: input.hot[index % input.hot.length]!, featureId: 'feature-sso' });
      samples.push(now() - started);
    }
    const output: SdkCheckOutput = { rates, cachedCheck: summarise(samples), streamLosses };
    writeFileSync(outputFile, JSON.stringify(output));
  } finally {
    await client.close();
  }
}

if (require.main === module) void main(process.argv[2]!, process.argv[3]!).catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
