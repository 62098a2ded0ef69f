import { execFile, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';

export type CliResult = { code: number | null; stdout: string; stderr: string };

// Starts src/cli.ts as `npm run cli` does, with the given variables added to (or, when undefined, removed from) the environment.
export function spawnCli(argv: string[], env: Record<string, string | undefined>): { child: ChildProcess; result: Promise<CliResult> } {
  const merged: Record<string, string | undefined> = { ...process.env, ...env };
  for (const [name, value] of Object.entries(env)) if (value === undefined) delete merged[name];
  let child!: ChildProcess;
  const result = new Promise<CliResult>((done) => {
    child = execFile(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...argv], { cwd: resolve(__dirname, '../..'), env: merged }, (error, stdout, stderr) => {
      done({ code: error ? ((error as { code?: number | null }).code ?? null) : 0, stdout, stderr });
    });
  });
  return { child, result };
}

export function runCli(argv: string[], env: Record<string, string | undefined>): Promise<CliResult> {
  return spawnCli(argv, env).result;
}
