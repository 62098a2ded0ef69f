import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { Worker } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
import { installQuietRuntime, workflowBundle } from '../support/temporal';

const HISTORIES = join(__dirname, '../fixtures/histories');

// Histories recorded from earlier versions of the workflows must replay on the current code: a change
// that would break a running workflow fails here (and needs `patched()` instead).
describe('workflow histories replay on the current code', () => {
  installQuietRuntime();
  it.each(readdirSync(HISTORIES).filter((file) => file.endsWith('.json')))('%s', async (file) => {
    const history = historyFromJSON(JSON.parse(readFileSync(join(HISTORIES, file), 'utf8')));
    await expect(Worker.runReplayHistory({ workflowBundle: await workflowBundle() }, history)).resolves.toBeUndefined();
  });
});
