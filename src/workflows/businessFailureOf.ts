import { ApplicationFailure } from '@temporalio/workflow';
import { FailureType } from './failureTypes';

const types = new Set<string>(Object.values(FailureType));

// The business failure inside an activity's failure (workflow-side): what an update handler may rethrow to its
// caller, as update handlers answer ApplicationFailures only.
export function businessFailureOf(error: unknown): ApplicationFailure | undefined {
  for (let cause = error; cause instanceof Error; cause = cause.cause) {
    if (cause instanceof ApplicationFailure && cause.type && types.has(cause.type)) return cause;
  }
  return undefined;
}
