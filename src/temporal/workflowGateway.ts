import {
  WorkflowExecutionAlreadyStartedError,
  WorkflowFailedError,
  WorkflowIdConflictPolicy,
  WorkflowIdReusePolicy,
  WorkflowNotFoundError,
  type Client,
  type WorkflowHandle,
} from '@temporalio/client';
import { ApplicationFailure, TypedSearchAttributes } from '@temporalio/common';
import { catalogChangedSignal } from '../workflows/definitions';
import type { ProvisionCustomerWorkflowInput, ProvisionCustomerWorkflowResult } from '../workflows/provisionCustomer.workflow';
import type { UpdateCustomerWorkflowInput } from '../workflows/updateCustomer.workflow';
import type { Customer } from '../domain/customers/customer';
import { workflowIds } from '../workflows/workflowIds';
import type { FailureType } from '../workflows/failureTypes';
import type { RequestRun } from './requestRun';
import { searchAttributeKeys } from './searchAttributes';

// A workflow that ended in a business failure: the API maps `type` to a 4xx answer.
export class WorkflowBusinessFailure extends Error {
  constructor(
    readonly type: FailureType | string,
    message: string,
    readonly details: unknown[],
  ) {
    super(message);
  }
}

// The workflow is still running (the billing provider may be down); the caller can retry the same request.
export class WorkflowStillRunning extends Error {
  constructor(readonly workflowId: string) {
    super(`workflow ${workflowId} is still running`);
  }
}

export type WorkflowGateway = ReturnType<typeof createWorkflowGateway>;

// A business failure raised in an activity arrives wrapped in an ActivityFailure: look down the cause chain.
function findApplicationFailure(error: unknown): ApplicationFailure | undefined {
  for (let cause = error; cause instanceof Error; cause = cause.cause) {
    if (cause instanceof ApplicationFailure && cause.type) return cause;
  }
  return undefined;
}

// How the API starts and awaits workflows; the only place that names workflow types on the client side.
export type WorkflowGatewayOptions = {
  taskQueue: string;
  searchAttributes: boolean;
  // How long a request waits for a workflow's result before answering "still processing".
  resultTimeoutMs?: number;
  // How long starting a workflow may take before Temporal counts as unreachable (the client would otherwise retry for ~40 s).
  startTimeoutMs?: number;
};

// Room for the database work around a start (checks before it, recording the run after it).
const START_MARGIN_MS = 5_000;

export function createWorkflowGateway(client: Client, options: WorkflowGatewayOptions) {
  const resultTimeoutMs = options.resultTimeoutMs ?? 25_000;
  const startTimeoutMs = options.startTimeoutMs ?? 10_000;
  const withStartDeadline = <T>(start: () => Promise<T>) => client.connection.withDeadline(Date.now() + startTimeoutMs, start);
  const searchAttributes = (environmentId: string, customerId?: string) =>
    !options.searchAttributes ? undefined : new TypedSearchAttributes([
      { key: searchAttributeKeys.environment, value: environmentId },
      ...(customerId ? [{ key: searchAttributeKeys.customerId, value: customerId }] : []),
    ]);

  async function awaitResult<T>(handle: WorkflowHandle): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new WorkflowStillRunning(handle.workflowId)), resultTimeoutMs);
    });
    try {
      return (await Promise.race([handle.result(), timeout])) as T;
    } catch (error) {
      const failure = error instanceof WorkflowFailedError ? findApplicationFailure(error.cause) : undefined;
      if (failure) throw new WorkflowBusinessFailure(failure.type ?? 'Unknown', failure.message, failure.details ?? []);
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  // The result of the run an earlier attempt of the same request started, if any. A run Temporal no longer has
  // (past its retention) counts as none: a new run answers from what the first one recorded in Postgres.
  async function earlierRunResult<T>(requestRun: RequestRun | undefined, workflowId: string): Promise<{ result: T } | undefined> {
    if (requestRun?.startedRun?.workflowId !== workflowId) return undefined;
    try {
      return { result: await awaitResult<T>(client.workflow.getHandle(workflowId, requestRun.startedRun.runId)) };
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) return undefined;
      throw error;
    }
  }

  // Starts the only run of `workflowId` for this request (or awaits the run an earlier attempt of it started).
  // While another request's run holds the id, `whileBusy` waits for it and may answer for it; otherwise this
  // request tries again, until the result timeout.
  async function startAlone<T>(
    workflowType: string,
    workflowId: string,
    input: { environmentId: string; customerId: string },
    requestRun: RequestRun | undefined,
    whileBusy: (running: WorkflowHandle) => Promise<T | undefined>,
  ): Promise<T> {
    const earlier = await earlierRunResult<T>(requestRun, workflowId);
    if (earlier) return earlier.result;
    const args = [{ ...input, ...(requestRun && { requestKey: requestRun.requestKey }) }];
    const deadline = Date.now() + resultTimeoutMs;
    for (;;) {
      try {
        const handle = await withStartDeadline(() =>
          client.workflow.start(workflowType, {
            args,
            taskQueue: options.taskQueue,
            workflowId,
            workflowIdConflictPolicy: WorkflowIdConflictPolicy.FAIL,
            workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
            typedSearchAttributes: searchAttributes(input.environmentId, input.customerId),
          }),
        );
        await requestRun?.recordStartedRun({ workflowId, runId: handle.firstExecutionRunId });
        return await awaitResult<T>(handle);
      } catch (error) {
        if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
        if (Date.now() > deadline) throw new WorkflowStillRunning(workflowId);
        const answer = await whileBusy(client.workflow.getHandle(workflowId));
        if (answer !== undefined) return answer;
      }
    }
  }

  return {
    // How long a request may take from claiming its Idempotency-Key to recording the run it started. An
    // unfinished claim older than this, without a run, was left by a process that died before the start.
    startWindowMs: startTimeoutMs + START_MARGIN_MS,

    // One workflow id per customer, so concurrent provisions of one id create one customer, and only the request
    // that started the run which created it answers "created".
    async provisionCustomer(input: ProvisionCustomerWorkflowInput, requestRun?: RequestRun): Promise<ProvisionCustomerWorkflowResult> {
      const workflowId = workflowIds.provisionCustomer(input.environmentId, input.customerId);
      // Another request's run: the customer it provisions answers this request too ("not created"). If it
      // provisions none (it failed, e.g. on that request's declined card), this request starts its own run.
      return startAlone('provisionCustomerWorkflow', workflowId, input, requestRun, async (running) => {
        const joined = await awaitResult<ProvisionCustomerWorkflowResult>(running).catch(() => undefined);
        return joined && { ...joined, created: false };
      });
    },

    // One update of a customer at a time: the billing provider and Postgres see updates in the same order,
    // so they cannot end up disagreeing. A request that finds an update running waits for it, then starts.
    async updateCustomer(input: UpdateCustomerWorkflowInput, requestRun?: RequestRun): Promise<{ customer: Customer }> {
      const workflowId = workflowIds.updateCustomer(input.environmentId, input.customerId);
      return startAlone<{ customer: Customer }>('updateCustomerWorkflow', workflowId, input, requestRun, async (running) => {
        await awaitResult(running).catch(() => undefined);
        return undefined;
      });
    },

    // Starts the catalog sync, or tells the running one that there is more to do.
    async syncCatalog(environmentId: string): Promise<{ workflowId: string }> {
      const workflowId = workflowIds.syncCatalog(environmentId);
      await withStartDeadline(() => client.workflow.signalWithStart('syncCatalogWorkflow', {
        args: [{ environmentId }],
        taskQueue: options.taskQueue,
        workflowId,
        signal: catalogChangedSignal,
        signalArgs: [],
        typedSearchAttributes: searchAttributes(environmentId),
      }));
      return { workflowId };
    },
  };
}
