import { ServiceError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { FailureType } from '../workflows/failureTypes';

export type BusinessFailure = ApplicationFailure & { type: FailureType };

const failureTypes = new Set<string>(Object.values(FailureType));

// The business failure a workflow ended with, as its activity (or the workflow) raised it: Temporal wraps it in
// a WorkflowFailedError, and an activity's in an ActivityFailure too, so look down the cause chain.
export function findBusinessFailure(error: unknown): BusinessFailure | undefined {
  for (let cause = error; cause instanceof Error; cause = cause.cause) {
    if (cause instanceof ApplicationFailure && cause.type) {
      return failureTypes.has(cause.type) ? (cause as BusinessFailure) : undefined;
    }
  }
  return undefined;
}

// gRPC UNAVAILABLE (14) or DEADLINE_EXCEEDED (4): Temporal cannot be reached right now.
export function isWorkflowEngineUnavailable(error: unknown): boolean {
  return error instanceof ServiceError && [4, 14].includes((error.cause as { code?: number } | undefined)?.code ?? -1);
}
