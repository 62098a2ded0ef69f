// Builds the package twice from src: ESM into dist/esm and CommonJS into dist/cjs, each with its declarations.
// Pure Node and the TypeScript compiler, nothing else; `npm run build` runs it.
import { spawnSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const packageDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');

rmSync(join(packageDir, 'dist'), { recursive: true, force: true });
for (const config of ['tsconfig.json', 'tsconfig.cjs.json']) {
  const { status } = spawnSync(process.execPath, [tsc, '-p', join(packageDir, config)], { stdio: 'inherit' });
  if (status !== 0) process.exit(status ?? 1);
}
// The package is "type": "module"; this marks the .js (and .d.ts) files under dist/cjs as CommonJS.
writeFileSync(join(packageDir, 'dist/cjs/package.json'), `${JSON.stringify({ type: 'commonjs' })}\n`);
