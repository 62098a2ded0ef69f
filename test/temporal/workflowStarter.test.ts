import { randomUUID } from 'node:crypto';
import { Client } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import { createNoneBillingProvider } from '../../src/billing/noneBillingProvider';
import type { CustomersClient } from '../../src/temporal/customers.client';
import type { RequestRun, WorkflowRun } from '../../src/temporal/requestRun';
import type { WorkflowResult } from '../../src/temporal/workflowReferences';
import { createWorkflowStarter, type WorkflowStarter } from '../../src/temporal/workflowStarter';
import { WorkflowStillRunning } from '../../src/temporal/workflowStillRunning';
import type { ProvisionCustomerWorkflowInput, ProvisionCustomerWorkflowResult } from '../../src/workflows/provisionCustomer.workflow';
import { workflowIds } from '../../src/workflows/workflowIds';
import { createLocalEnvironment, testDataConverter } from '../support/temporal';
import { createTestDatabase, type TestDatabase } from '../support/testDatabase';
import { createTestEnvironment } from '../support/testEnvironment';
import { startTestWorker, type RunningTestWorker } from '../support/testWorker';

let env: TestWorkflowEnvironment;
let database: TestDatabase;
let client: Client;
let environmentId: string;
const workers: RunningTestWorker[] = [];

beforeAll(async () => {
  [env, database] = await Promise.all([createLocalEnvironment(), createTestDatabase()]);
  environmentId = (await createTestEnvironment(database.db)).environmentId;
  client = new Client({ connection: env.connection, namespace: env.namespace, dataConverter: testDataConverter });
});
afterAll(async () => {
  await Promise.all(workers.map((worker) => worker.stop()));
  await Promise.all([env?.teardown(), database?.drop()]);
});

// A task queue no worker polls yet: a run started there waits until `startWorker` is called.
function idleQueue() {
  const taskQueue = `idle-${randomUUID()}`;
  return {
    starter: createWorkflowStarter(client, { taskQueue, searchAttributes: false, resultTimeoutMs: 1_000 }),
    startWorker: async () => void workers.push(await startTestWorker(env, database.db, createNoneBillingProvider(), taskQueue)),
  };
}

// A request sent with an Idempotency-Key, remembering the run it records as the key's row would.
function requestRun(startedRun?: WorkflowRun): RequestRun & { recorded: WorkflowRun[] } {
  const recorded: WorkflowRun[] = [];
  return { requestKey: `key-${randomUUID()}`, startedRun, recorded, recordStartedRun: async (run) => void recorded.push(run) };
}

const provisionInput = (customerId: string): ProvisionCustomerWorkflowInput => ({ environmentId, customerId, name: 'Grace', email: null, couponId: null, metadata: {} });

describe('start-and-return', () => {
  it('answers with the run before it finishes and records it on the request; the run then finishes on its own', async () => {
    const { starter, startWorker } = idleQueue();
    const input = provisionInput('returned-at-once');
    const request = requestRun();
    const started = await starter.startAndReturn('provisionCustomerWorkflow', workflowIds.provisionCustomer(environmentId, input.customerId), input, request);

    expect(request.recorded).toEqual([{ workflowId: started.workflowId, runId: started.runId }]);
    expect((await started.handle.describe()).status.name).toBe('RUNNING');
    await startWorker();
    const result = await started.handle.result();
    expect(result).toMatchObject({ created: true, customer: { customerId: 'returned-at-once', name: 'Grace' } });
  });

  it('gives a retry of the request the run its first attempt started, and another caller the run holding the id', async () => {
    const { starter, startWorker } = idleQueue();
    const input = provisionInput('started-once');
    const workflowId = workflowIds.provisionCustomer(environmentId, input.customerId);
    const first = await starter.startAndReturn('provisionCustomerWorkflow', workflowId, input, requestRun());

    const retry = requestRun({ workflowId, runId: first.runId });
    expect(await starter.startAndReturn('provisionCustomerWorkflow', workflowId, input, retry)).toMatchObject({ workflowId, runId: first.runId });
    expect(retry.recorded).toEqual([]);
    expect(await starter.startAndReturn('provisionCustomerWorkflow', workflowId, input, undefined)).toMatchObject({ workflowId, runId: first.runId });

    await startWorker();
    await first.handle.result();
    // The id's latest run is still the first: no call started another.
    expect((await client.workflow.getHandle(workflowId).describe()).runId).toBe(first.runId);
  });
});

describe('start-and-wait', () => {
  it('answers WorkflowStillRunning when the run outlasts the result timeout, and the run\'s result to a retry of the request', async () => {
    const { starter, startWorker } = idleQueue();
    const input = provisionInput('waited-for');
    const workflowId = workflowIds.provisionCustomer(environmentId, input.customerId);
    const request = requestRun();
    const alone = () => starter.startAlone('provisionCustomerWorkflow', workflowId, input, request, async () => undefined);
    await expect(alone()).rejects.toBeInstanceOf(WorkflowStillRunning);
    expect(request.recorded).toHaveLength(1);

    await startWorker();
    const retried = requestRun(request.recorded[0]);
    const result = await starter.startAlone('provisionCustomerWorkflow', workflowId, input, retried, async () => undefined);
    expect(result).toMatchObject({ created: true, customer: { customerId: 'waited-for' } });
    expect(retried.recorded).toEqual([]);
  });
});

// Compiled by `npx tsc --noEmit`, never run: a start that does not fit the workflow it names does not compile.
export function typedStartsAreChecked(starter: WorkflowStarter, customers: CustomersClient, input: ProvisionCustomerWorkflowInput) {
  expectTypeOf<WorkflowResult<'provisionCustomerWorkflow'>>().toEqualTypeOf<ProvisionCustomerWorkflowResult>();
  expectTypeOf(customers.provision(input)).resolves.toEqualTypeOf<ProvisionCustomerWorkflowResult>();
  expectTypeOf(starter.startAndReturn('provisionCustomerWorkflow', 'id', input, undefined)).resolves.toHaveProperty('runId');

  // @ts-expect-error no workflow of that name in src/workflows/index.ts
  void starter.startAndReturn('provisionCustomer', 'id', input, undefined);
  // @ts-expect-error the update workflow takes `changes`, not a top-level `name`
  void starter.startAlone('updateCustomerWorkflow', 'id', { environmentId: 'e', customerId: 'c', name: 'x' }, undefined, async () => undefined);
  // @ts-expect-error the provision workflow needs name, email, couponId and metadata
  void customers.provision({ environmentId: 'e', customerId: 'c' });
  // @ts-expect-error the catalog sync is not a request's workflow: it takes no customer and no Idempotency-Key
  void starter.startAndReturn('syncCatalogWorkflow', 'id', { environmentId: 'e' }, undefined);
  // @ts-expect-error a busy run answers with the workflow's result type, not anything
  void starter.startAlone('provisionCustomerWorkflow', 'id', input, undefined, async () => ({ created: 'yes' }));
  // @ts-expect-error signalWithStart checks the input against the workflow too
  void starter.signalWithStart('syncCatalogWorkflow', 'id', { environmentId: 'e', extra: 1 }, undefined as never);
}
