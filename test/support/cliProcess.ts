import { execFile } from 'node:child_process';
import { resolve } from 'node:path';

export type CliResult = { code: number; stdout: string; stderr: string };

// Runs src/cli.ts as `npm run cli` does, with the given variables added to (or, when undefined, removed from) the environment.
export function runCli(argv: string[], env: Record<string, string | undefined>): Promise<CliResult> {
  const merged: Record<string, string | undefined> = { ...process.env, ...env };
  for (const [name, value] of Object.entries(env)) if (value === undefined) delete merged[name];
  return new Promise((done) => {
    execFile(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...argv], { cwd: resolve(__dirname, '../..'), env: merged }, (error, stdout, stderr) => {
      done({ code: error ? Number((error as { code?: unknown }).code ?? 1) : 0, stdout, stderr });
    });
  });
}
