import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';

const REPOSITORY = resolve(__dirname, '../..');
const SDK_SOURCE = join(REPOSITORY, 'packages/node-sdk');
const ROOT_MODULES = join(REPOSITORY, 'node_modules');

export type RunResult = { code: number; stdout: string; stderr: string };

// Without the npm_* settings of an `npm test` around us, which would reach the npm commands run in the copy.
const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^npm_/i.test(name)));

// Runs a command to its end and answers its exit code and output, whatever the code (the caller asserts on it).
export function run(command: string, args: string[], cwd: string): Promise<RunResult> {
  return new Promise((done) => {
    execFile(command, args, { cwd, env, timeout: 90_000, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      done({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

export type SdkPackageCopy = {
  // The copy of packages/node-sdk, built by the `npm pack` below (its prepack script runs `npm run build`).
  packageDir: string;
  // An empty project whose node_modules/@tollgate/node-sdk links to the copy: it resolves the SDK by its name.
  consumerDir: string;
  // `npm pack --dry-run --json` of the copy: the JSON lists the files a publish would ship.
  pack: RunResult;
  remove: () => void;
};

// Copies packages/node-sdk (without any build output) to a temporary folder and packs it there as a publish would,
// so that no build output lands in the repository. The copy sees the root's typescript and @types as an npm install
// would give them.
export async function packSdkPackageCopy(): Promise<SdkPackageCopy> {
  const root = mkdtempSync(join(tmpdir(), 'tollgate-sdk-package-'));
  const packageDir = join(root, 'node-sdk');
  cpSync(SDK_SOURCE, packageDir, {
    recursive: true,
    filter: (path) => !/^(dist|node_modules)(\/|$)/.test(relative(SDK_SOURCE, path)),
  });
  mkdirSync(join(packageDir, 'node_modules'));
  symlinkSync(join(ROOT_MODULES, 'typescript'), join(packageDir, 'node_modules/typescript'));
  symlinkSync(join(ROOT_MODULES, '@types'), join(packageDir, 'node_modules/@types'));

  const consumerDir = join(root, 'consumer');
  mkdirSync(join(consumerDir, 'node_modules/@tollgate'), { recursive: true });
  symlinkSync(packageDir, join(consumerDir, 'node_modules/@tollgate/node-sdk'));
  symlinkSync(join(ROOT_MODULES, '@types'), join(consumerDir, 'node_modules/@types'));

  const pack = await run('npm', ['pack', '--dry-run', '--json', '--no-update-notifier'], packageDir);
  return { packageDir, consumerDir, pack, remove: () => rmSync(root, { recursive: true, force: true }) };
}
