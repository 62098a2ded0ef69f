import { findBusinessFailure, isWorkflowEngineUnavailable } from '../temporal/businessFailure';
import { WorkflowStillRunning } from '../temporal/workflowStillRunning';
import type { FailureType } from '../workflows/failureTypes';
import { HttpError } from './httpError';

type FailureAnswer = (failure: { message: string; details?: unknown[] | null }) => HttpError;
const answer = (status: number, code: string, field?: string): FailureAnswer => (failure) => new HttpError(status, code, failure.message, field);

// The provider's refusal names the parameter it refused, inside billingInfo.
const billingRejected: FailureAnswer = ({ message, details }) => {
  const detail = (details?.[0] ?? {}) as { code?: string | null; param?: string | null };
  const field = detail.param ? `billingInfo (${detail.param})` : 'billingInfo';
  return new HttpError(422, 'BILLING_PROVIDER_REJECTED', message, field, [{ field, message, providerCode: detail.code ?? null, providerParam: detail.param ?? null }]);
};

// The HTTP answer to each business failure an activity or workflow raises: a new failure type is one line here.
export const failureAnswers: Record<FailureType, FailureAnswer> = {
  CustomerNotFound: answer(404, 'CUSTOMER_NOT_FOUND', 'customerId'),
  BillingRejected: billingRejected,
  InvalidData: answer(422, 'INVALID_DATA'),
  CustomerArchived: answer(409, 'CUSTOMER_ARCHIVED', 'customerId'),
  SubscriptionRequestRefused: ({ message, details }) => {
    const detail = (details?.[0] ?? {}) as { status?: number; code?: string; field?: string; subscriptionId?: string };
    const field = detail.field;
    return new HttpError(detail.status ?? 422, detail.code ?? 'SUBSCRIPTION_REFUSED', message, field, detail.subscriptionId ? [{ field: field ?? 'subscriptionId', message, subscriptionId: detail.subscriptionId }] : undefined);
  },
  PromotionCodeNotApplicable: answer(422, 'PROMOTION_CODE_NOT_APPLICABLE', 'promotionCode'),
  SubscriptionNotFound: answer(404, 'SUBSCRIPTION_NOT_FOUND', 'subscriptionId'),
  SubscriptionNotCancelable: answer(409, 'SUBSCRIPTION_NOT_CANCELABLE', 'subscriptionId'),
  SubscriptionNotUpdatable: answer(409, 'SUBSCRIPTION_NOT_UPDATABLE', 'subscriptionId'),
  LifecycleChangeUnavailable: answer(503, 'BILLING_PROVIDER_UNAVAILABLE'),
};

// The answer to an error from a workflow call, if it is one the caller can act on (the error middleware asks).
export function workflowFailureAnswer(error: unknown): HttpError | undefined {
  if (error instanceof WorkflowStillRunning) {
    return new HttpError(503, 'STILL_PROCESSING', `not finished yet (workflow ${error.workflowId}); retry the same request to get its result`);
  }
  if (isWorkflowEngineUnavailable(error)) {
    return new HttpError(503, 'WORKFLOW_ENGINE_UNAVAILABLE', 'the workflow engine (Temporal) is unavailable; retry shortly');
  }
  const failure = findBusinessFailure(error);
  return failure && failureAnswers[failure.type](failure);
}
