import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  // Tests import the SDK by its package name, from source (as the npm workspace will resolve it once built).
  resolve: { alias: { '@tollgate/node-sdk': fileURLToPath(new URL('./packages/node-sdk/src/index.ts', import.meta.url)) } },
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/globalSetup.ts'],
    // Each file starts its own Temporal server and worker; two at a time fits a 2-core machine.
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 120_000,
    reporters: ['default', './test/support/summaryReporter.ts'],
  },
});
