import {
  WorkflowExecutionAlreadyStartedError,
  WorkflowIdConflictPolicy,
  WorkflowIdReusePolicy,
  WorkflowNotFoundError,
  type Client,
  type WorkflowHandle,
} from '@temporalio/client';
import { TypedSearchAttributes, type SignalDefinition } from '@temporalio/common';
import type { RequestRun, WorkflowRun } from './requestRun';
import { searchAttributeKeys } from './searchAttributes';
import type { WorkflowInput, WorkflowName, WorkflowResult, Workflows } from './workflowReferences';
import { WorkflowStillRunning } from './workflowStillRunning';

export type WorkflowStarterOptions = {
  taskQueue: string;
  searchAttributes: boolean;
  // How long a request waits for a workflow's result before answering "still processing".
  resultTimeoutMs?: number;
  // How long starting a workflow may take before Temporal counts as unreachable (the client would otherwise retry for ~40 s).
  startTimeoutMs?: number;
};

// Workflows a request starts take its Idempotency-Key (as `requestKey`), and name the environment and customer.
type RequestWorkflowName = {
  [N in WorkflowName]: WorkflowInput<N> extends { environmentId: string; customerId: string; requestKey?: string } ? N : never;
}[WorkflowName];
type RequestInput<N extends RequestWorkflowName> = Omit<WorkflowInput<N>, 'requestKey'>;

export type StartedWorkflow<N extends WorkflowName> = WorkflowRun & { handle: WorkflowHandle<Workflows[N]> };
export type WorkflowStarter = ReturnType<typeof createWorkflowStarter>;

// Room for the database work around a start (checks before it, recording the run after it).
const START_MARGIN_MS = 5_000;

// What every business noun's client shares: typed starts under a deadline, search attributes, the result
// timeout, and the Idempotency-Key's run recorded right after a start.
export function createWorkflowStarter(client: Client, options: WorkflowStarterOptions) {
  const resultTimeoutMs = options.resultTimeoutMs ?? 25_000;
  const startTimeoutMs = options.startTimeoutMs ?? 10_000;
  const withStartDeadline = <T>(start: () => Promise<T>) => client.connection.withDeadline(Date.now() + startTimeoutMs, start);
  const searchAttributes = (input: { environmentId: string; customerId?: string; subscriptionId?: string }) =>
    !options.searchAttributes ? undefined : new TypedSearchAttributes([
      { key: searchAttributeKeys.environment, value: input.environmentId },
      ...(input.customerId ? [{ key: searchAttributeKeys.customerId, value: input.customerId }] : []),
      ...(input.subscriptionId ? [{ key: searchAttributeKeys.subscriptionId, value: input.subscriptionId }] : []),
    ]);
  // The run's input with the request's key, so the workflow can record what it applied for that request. (The
  // compiler cannot follow a spread through a generic; RequestWorkflowName guarantees the shape.)
  const argsOf = <N extends RequestWorkflowName>(input: RequestInput<N>, requestRun: RequestRun | undefined) =>
    [{ ...input, ...(requestRun && { requestKey: requestRun.requestKey }) }] as unknown as Parameters<Workflows[N]>;

  const start = <N extends RequestWorkflowName>(name: N, workflowId: string, input: RequestInput<N>, requestRun: RequestRun | undefined, conflict: WorkflowIdConflictPolicy) =>
    withStartDeadline(() =>
      client.workflow.start<Workflows[N]>(name, {
        args: argsOf<N>(input, requestRun),
        taskQueue: options.taskQueue,
        workflowId,
        workflowIdConflictPolicy: conflict,
        workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
        typedSearchAttributes: searchAttributes(input),
      }),
    );

  // A run's result, or WorkflowStillRunning once the result timeout passes. Failures are Temporal's own
  // (WorkflowFailedError): the API's error middleware answers them from one table.
  async function awaitResult<W extends Workflows[WorkflowName]>(handle: WorkflowHandle<W>) {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new WorkflowStillRunning(handle.workflowId)), resultTimeoutMs);
    });
    try {
      return await Promise.race([handle.result(), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  // The result of the run an earlier attempt of the same request started, if any. A run Temporal no longer has
  // (past its retention) counts as none: a new run answers from what the first one recorded in Postgres.
  async function earlierRunResult<N extends WorkflowName>(requestRun: RequestRun | undefined, workflowId: string) {
    if (requestRun?.startedRun?.workflowId !== workflowId) return undefined;
    try {
      return { result: await awaitResult(client.workflow.getHandle<Workflows[N]>(workflowId, requestRun.startedRun.runId)) };
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) return undefined;
      throw error;
    }
  }

  return {
    // How long a request may take from claiming its Idempotency-Key to recording the run it started. An
    // unfinished claim older than this, without a run, was left by a process that died before the start.
    startWindowMs: startTimeoutMs + START_MARGIN_MS,
    resultTimeoutMs,
    client,
    awaitResult,

    // Start-and-wait, one run of `workflowId` at a time: starts this request's run (or awaits the one an earlier
    // attempt of it started) and answers its result. While another request's run holds the id, `whileBusy` waits
    // for it and may answer for it; otherwise this request tries again, until the result timeout.
    async startAlone<N extends RequestWorkflowName>(
      name: N,
      workflowId: string,
      input: RequestInput<N>,
      requestRun: RequestRun | undefined,
      whileBusy: (running: WorkflowHandle<Workflows[N]>) => Promise<WorkflowResult<N> | undefined>,
    ): Promise<WorkflowResult<N>> {
      const earlier = await earlierRunResult<N>(requestRun, workflowId);
      if (earlier) return earlier.result;
      const deadline = Date.now() + resultTimeoutMs;
      for (;;) {
        try {
          const handle = await start(name, workflowId, input, requestRun, WorkflowIdConflictPolicy.FAIL);
          await requestRun?.recordStartedRun({ workflowId, runId: handle.firstExecutionRunId });
          return await awaitResult(handle);
        } catch (error) {
          if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
          if (Date.now() > deadline) throw new WorkflowStillRunning(workflowId);
          const answer = await whileBusy(client.workflow.getHandle<Workflows[N]>(workflowId));
          if (answer !== undefined) return answer;
        }
      }
    },

    // Start-and-return: starts the run (or finds the one holding the id, or the one an earlier attempt of this
    // request started), records it on the request and answers at once, for work that waits (a checkout).
    async startAndReturn<N extends RequestWorkflowName>(name: N, workflowId: string, input: RequestInput<N>, requestRun: RequestRun | undefined): Promise<StartedWorkflow<N>> {
      const earlier = requestRun?.startedRun?.workflowId === workflowId ? requestRun.startedRun : undefined;
      if (earlier) return { ...earlier, handle: client.workflow.getHandle<Workflows[N]>(workflowId, earlier.runId) };
      const handle = await start(name, workflowId, input, requestRun, WorkflowIdConflictPolicy.USE_EXISTING);
      const run = { workflowId, runId: handle.firstExecutionRunId };
      await requestRun?.recordStartedRun(run);
      return { ...run, handle };
    },

    // Starts the workflow with a signal, or only signals the run that holds the id.
    async signalWithStart<N extends WorkflowName>(name: N, workflowId: string, input: WorkflowInput<N> & { environmentId: string }, signal: SignalDefinition<[]>): Promise<void> {
      await withStartDeadline(() =>
        client.workflow.signalWithStart<Workflows[N], []>(name, {
          // Every workflow takes one input object; the compiler cannot see that through the generic.
          args: [input] as Parameters<Workflows[N]>,
          taskQueue: options.taskQueue,
          workflowId,
          signal,
          signalArgs: [],
          typedSearchAttributes: searchAttributes(input),
        }),
      );
    },
  };
}
