import { ServiceError } from '@temporalio/client';
import { WorkflowBusinessFailure, WorkflowStillRunning } from '../temporal/workflowGateway';
import { FailureType } from '../workflows/failureTypes';
import { HttpError } from './httpError';

// Runs a workflow call and turns its business failures into the HTTP contract's errors.
export async function runWorkflow<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof WorkflowStillRunning) {
      return Promise.reject(
        new HttpError(503, 'STILL_PROCESSING', `not finished yet (workflow ${error.workflowId}); retry the same request to get its result`),
      );
    }
    // gRPC UNAVAILABLE (14) or DEADLINE_EXCEEDED (4): Temporal cannot be reached right now.
    if (error instanceof ServiceError && [4, 14].includes((error.cause as { code?: number } | undefined)?.code ?? -1)) {
      throw new HttpError(503, 'WORKFLOW_ENGINE_UNAVAILABLE', 'the workflow engine (Temporal) is unavailable; retry shortly');
    }
    if (!(error instanceof WorkflowBusinessFailure)) throw error;
    switch (error.type) {
      case FailureType.CustomerNotFound:
        throw new HttpError(404, 'CUSTOMER_NOT_FOUND', error.message, 'customerId');
      case FailureType.BillingRejected: {
        const detail = (error.details[0] ?? {}) as { code?: string | null; param?: string | null };
        const field = detail.param ? `billingInfo (${detail.param})` : 'billingInfo';
        throw new HttpError(422, 'BILLING_PROVIDER_REJECTED', error.message, field, [{ field, message: error.message, providerCode: detail.code ?? null, providerParam: detail.param ?? null }]);
      }
      case FailureType.InvalidData:
        throw new HttpError(422, 'INVALID_DATA', error.message);
      default:
        throw error;
    }
  }
}
