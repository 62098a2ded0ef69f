import { randomBytes } from 'node:crypto';
import { WorkflowNotFoundError, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import {
  billingEventSignal,
  cancelSubscriptionUpdate,
  migrateSubscriptionUpdate,
  provisionOutcomeUpdate,
  updateSubscriptionUpdate,
  type BillingEvent,
  type CancelRequest,
  type LifecycleAnswer,
  type MigrateRequest,
  type ProvisionOutcome,
} from '../workflows/definitions';
import { workflowIds } from '../workflows/workflowIds';
import type { SubscriptionUpdate } from '../domain/subscriptions/subscriptionUpdate';
import type { RequestRun } from './requestRun';
import type { WorkflowInput } from './workflowReferences';
import type { WorkflowStarter } from './workflowStarter';
import { WorkflowStillRunning } from './workflowStillRunning';

export type SubscriptionsClient = ReturnType<typeof createSubscriptionsClient>;

// Subscription ids are Tollgate's own: readable, unguessable, safe in URLs and workflow ids.
export function newSubscriptionId(): string {
  return `sub-${randomBytes(12).toString('base64url')}`;
}

const SIGNAL_DEADLINE_MS = 5_000;

type LifecycleOutcome = Extract<LifecycleAnswer, { outcome: unknown }>['outcome'];

const subscriptionIdOf = (workflowId: string) => workflowId.slice(workflowId.lastIndexOf(':') + 1);

// How the API drives subscriptions: each is one long-lived workflow, changed through Updates, told of provider events by signals.
export function createSubscriptionsClient(starter: WorkflowStarter) {
  // An Update's answer within the result timeout. A run that already ended (a provision that failed) answers
  // with its own outcome: its failure, as the error middleware maps it.
  async function update<Ret>(handle: WorkflowHandle, call: () => Promise<Ret>): Promise<Ret> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new WorkflowStillRunning(handle.workflowId)), starter.resultTimeoutMs);
    });
    try {
      return await Promise.race([call(), timeout]);
    } catch (error) {
      if (error instanceof WorkflowStillRunning || (await isRunning(handle))) throw error;
      await Promise.race([handle.result(), timeout]);
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  // The run id while the workflow runs; undefined once it has ended (or never ran).
  async function runningRunId(handle: WorkflowHandle): Promise<string | undefined> {
    try {
      const description = await handle.describe();
      return description.status.name === 'RUNNING' ? description.runId : undefined;
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) return undefined;
      throw error;
    }
  }

  async function isRunning(handle: WorkflowHandle): Promise<boolean> {
    try {
      return (await handle.describe()).status.name === 'RUNNING';
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) return false;
      throw error;
    }
  }

  // The request is tied to the subscription's run before the Update goes out, so a retry after a crash (same
  // Idempotency-Key) sends the same Update (its id) again instead of being told the request is still in progress.
  // undefined: the subscription's workflow has ended (the subscription with it).
  async function lifecycleUpdate(environmentId: string, subscriptionId: string, requestRun: RequestRun | undefined, call: (handle: WorkflowHandle, updateId: string | undefined) => Promise<LifecycleAnswer>): Promise<LifecycleOutcome | undefined> {
    const handle = starter.client.workflow.getHandle(workflowIds.subscription(environmentId, subscriptionId));
    const runId = await runningRunId(handle);
    if (runId === undefined) return undefined;
    if (requestRun && !requestRun.startedRun) await requestRun.recordStartedRun({ workflowId: handle.workflowId, runId });
    const updateId = requestRun?.requestKey;
    const answer = await update(handle, () => call(handle, updateId));
    if ('failure' in answer) throw ApplicationFailure.create({ ...answer.failure, nonRetryable: true });
    return answer.outcome;
  }

  return {
    // Starts the subscription's workflow and answers as soon as it has decided: created (SUCCESS) or waiting for
    // checkout (PAYMENT_REQUIRED, with the URL). A retried request (same Idempotency-Key) asks the same run.
    async provision(input: Omit<WorkflowInput<'subscriptionWorkflow'>, 'subscriptionId' | 'requestKey' | 'live'>, requestRun?: RequestRun): Promise<ProvisionOutcome> {
      const earlier = requestRun?.startedRun?.workflowId.startsWith('subscription:') ? requestRun.startedRun : undefined;
      const subscriptionId = earlier ? subscriptionIdOf(earlier.workflowId) : newSubscriptionId();
      const workflowId = workflowIds.subscription(input.environmentId, subscriptionId);
      const started = await starter.startAndReturn('subscriptionWorkflow', workflowId, { ...input, subscriptionId }, requestRun);
      const handle = started.handle as WorkflowHandle;
      const answer = await update(handle, () => handle.executeUpdate(provisionOutcomeUpdate));
      if ('failure' in answer) throw ApplicationFailure.create({ ...answer.failure, nonRetryable: true });
      return answer.outcome;
    },

    // false: the subscription's workflow has ended (the subscription with it). A request retried with the same
    // Idempotency-Key is the same Update (its id), which the workflow applies once.
    async cancel(environmentId: string, subscriptionId: string, request: CancelRequest, requestRun?: RequestRun): Promise<boolean> {
      return (await lifecycleUpdate(environmentId, subscriptionId, requestRun, (handle, updateId) => handle.executeUpdate(cancelSubscriptionUpdate, { args: [request], ...(updateId && { updateId }) }))) !== undefined;
    },

    // false: the subscription's workflow has ended. The workflow checks the change against the catalog and applies it.
    async update(environmentId: string, subscriptionId: string, request: SubscriptionUpdate, requestRun?: RequestRun): Promise<boolean> {
      return (await lifecycleUpdate(environmentId, subscriptionId, requestRun, (handle, updateId) => handle.executeUpdate(updateSubscriptionUpdate, { args: [request], ...(updateId && { updateId }) }))) !== undefined;
    },

    // undefined: the subscription's workflow has ended. Otherwise what the migration did (MIGRATED, SCHEDULED, ALREADY_LATEST).
    async migrate(environmentId: string, subscriptionId: string, request: MigrateRequest, requestRun?: RequestRun) {
      const outcome = await lifecycleUpdate(environmentId, subscriptionId, requestRun, (handle, updateId) => handle.executeUpdate(migrateSubscriptionUpdate, { args: [request], ...(updateId && { updateId }) }));
      return outcome && (outcome.migration ?? 'ALREADY_LATEST');
    },

    // false: no workflow runs for that subscription any more (the event is recorded, not applied).
    async deliverBillingEvent(environmentId: string, subscriptionId: string, event: BillingEvent): Promise<boolean> {
      try {
        const handle = starter.client.workflow.getHandle(workflowIds.subscription(environmentId, subscriptionId));
        // Bounded, so a webhook answers 503 in time (Stripe retries it) instead of hanging while Temporal is away.
        await starter.client.withDeadline(Date.now() + SIGNAL_DEADLINE_MS, () => handle.signal(billingEventSignal, event));
        return true;
      } catch (error) {
        if (error instanceof WorkflowNotFoundError) return false;
        throw error;
      }
    },
  };
}
