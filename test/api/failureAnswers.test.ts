import { WorkflowFailedError } from '@temporalio/client';
import { ActivityFailure, ApplicationFailure, RetryState } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { failureAnswers, workflowFailureAnswer } from '../../src/api/failureAnswers';
import { HttpError } from '../../src/api/httpError';
import { WorkflowStillRunning } from '../../src/temporal/workflowStillRunning';
import { FailureType } from '../../src/workflows/failureTypes';

// What the client gets when an activity raised `failure`: Temporal's own wrapping, untouched by Tollgate.
const workflowFailedInActivity = (failure: ApplicationFailure) =>
  new WorkflowFailedError('Workflow execution failed', new ActivityFailure('Activity task failed', 'someActivity', '1', RetryState.NON_RETRYABLE_FAILURE, 'worker', failure), RetryState.NON_RETRYABLE_FAILURE);

describe('the answer to a workflow\'s business failure', () => {
  it('exists for every failure type, as a 4xx with a code and the failure\'s message (a 503 when a dependency stayed down)', () => {
    // A lifecycle change whose provider or database stayed unavailable through every retry: retry later, nothing applied.
    const unavailable = new Set<string>([FailureType.LifecycleChangeUnavailable]);
    for (const type of Object.values(FailureType)) {
      const answer = workflowFailureAnswer(workflowFailedInActivity(ApplicationFailure.nonRetryable(`refused: ${type}`, type)));
      expect(answer, type).toBeInstanceOf(HttpError);
      if (unavailable.has(type)) expect(answer!.status, type).toBe(503);
      else expect(answer!.status, type).toBeGreaterThanOrEqual(400);
      if (!unavailable.has(type)) expect(answer!.status, type).toBeLessThan(500);
      expect(answer!.code, type).toMatch(/^[A-Z_]+$/);
      expect(answer!.message, type).toBe(`refused: ${type}`);
    }
    expect(Object.keys(failureAnswers).sort()).toEqual(Object.values(FailureType).sort());
  });

  it('is found whether the workflow or one of its activities raised the failure', () => {
    const raisedByWorkflow = new WorkflowFailedError('failed', ApplicationFailure.nonRetryable('customer "x" was not found', FailureType.CustomerNotFound), RetryState.NON_RETRYABLE_FAILURE);
    expect(workflowFailureAnswer(raisedByWorkflow)).toMatchObject({ status: 404, code: 'CUSTOMER_NOT_FOUND', field: 'customerId', message: 'customer "x" was not found' });
  });

  it('names the parameter the billing provider refused, with the provider\'s code', () => {
    const refusal = ApplicationFailure.create({ message: 'Your card was declined.', type: FailureType.BillingRejected, nonRetryable: true, details: [{ code: 'card_declined', param: 'payment_method' }] });
    expect(workflowFailureAnswer(workflowFailedInActivity(refusal))).toMatchObject({
      status: 422,
      code: 'BILLING_PROVIDER_REJECTED',
      field: 'billingInfo (payment_method)',
      details: [{ field: 'billingInfo (payment_method)', message: 'Your card was declined.', providerCode: 'card_declined', providerParam: 'payment_method' }],
    });
    const withoutParam = ApplicationFailure.create({ message: 'refused', type: FailureType.BillingRejected, nonRetryable: true });
    expect(workflowFailureAnswer(workflowFailedInActivity(withoutParam))).toMatchObject({ field: 'billingInfo', details: [{ providerCode: null, providerParam: null }] });
  });

  it('is none for a failure of another type (a bug: the error middleware logs it and answers 500)', () => {
    expect(workflowFailureAnswer(workflowFailedInActivity(ApplicationFailure.nonRetryable('boom', 'TypeError')))).toBeUndefined();
    expect(workflowFailureAnswer(workflowFailedInActivity(ApplicationFailure.nonRetryable('boom', 'toString')))).toBeUndefined();
    expect(workflowFailureAnswer(new Error('plain'))).toBeUndefined();
  });

  it('is 503 STILL_PROCESSING for a run that outlasted the request', () => {
    expect(workflowFailureAnswer(new WorkflowStillRunning('customer:env:c1'))).toMatchObject({ status: 503, code: 'STILL_PROCESSING' });
  });
});
