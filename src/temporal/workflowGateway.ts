import {
  WorkflowExecutionAlreadyStartedError,
  WorkflowFailedError,
  WorkflowIdConflictPolicy,
  WorkflowIdReusePolicy,
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

  return {
    // One workflow id per customer: concurrent provisions of one id join the same run.
    async provisionCustomer(input: ProvisionCustomerWorkflowInput): Promise<ProvisionCustomerWorkflowResult> {
      const handle = await withStartDeadline(() => client.workflow.start('provisionCustomerWorkflow', {
        args: [input],
        taskQueue: options.taskQueue,
        workflowId: workflowIds.provisionCustomer(input.environmentId, input.customerId),
        workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
        workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
        typedSearchAttributes: searchAttributes(input.environmentId, input.customerId),
      }));
      return awaitResult(handle);
    },

    // One update of a customer at a time: the billing provider and Postgres see updates in the same order,
    // so they cannot end up disagreeing. A request that finds an update running waits for it, then starts.
    async updateCustomer(input: UpdateCustomerWorkflowInput): Promise<{ customer: Customer }> {
      const workflowId = workflowIds.updateCustomer(input.environmentId, input.customerId);
      const deadline = Date.now() + resultTimeoutMs;
      for (;;) {
        try {
          const handle = await withStartDeadline(() =>
            client.workflow.start('updateCustomerWorkflow', {
              args: [input],
              taskQueue: options.taskQueue,
              workflowId,
              workflowIdConflictPolicy: WorkflowIdConflictPolicy.FAIL,
              workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
              typedSearchAttributes: searchAttributes(input.environmentId, input.customerId),
            }),
          );
          return await awaitResult(handle);
        } catch (error) {
          if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
          if (Date.now() > deadline) throw new WorkflowStillRunning(workflowId);
          await awaitResult(client.workflow.getHandle(workflowId)).catch(() => undefined);
        }
      }
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
