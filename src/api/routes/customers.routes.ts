import type { Response } from 'express';
import { provisionCustomerSchema, updateCustomerSchema } from '../../domain/customers/customerInput';
import { ApplicationFailure } from '@temporalio/common';
import { findSubscription } from '../../db/repositories/subscriptions.repository';
import { journeySubscriptions, type SubscriptionDecisionStrategy } from '../../domain/subscriptions/initialSubscriptions';
import { toSubscriptionRequest, type SubscriptionRequest } from '../../domain/subscriptions/subscriptionRequest.types';
import { toSubscriptionView } from '../../domain/subscriptions/toSubscriptionView';
import type { ProvisionCustomerInput } from '../../domain/customers/customerInput';
import type { InitialSubscriptionResult } from '../../workflows/provisionCustomer.workflow';
import { workflowFailureAnswer } from '../failureAnswers';
import { checkSubscriptionCatalog } from './subscriptions.routes';
import type { InitialSubscriptionAnswer } from '../schemas/customers.schemas';
import { customerSchema, type Customer } from '../../domain/customers/customer';
import { toCustomerView } from '../../domain/customers/toCustomerView';
import { findAppliedRequest } from '../../db/repositories/appliedRequests.repository';
import { findCustomer } from '../../db/repositories/customers.repository';
import { listLive, listLivePackages } from '../../db/repositories/catalogRead.repository';
import type { Db } from '../../db/createDb';
import type { AppDependencies } from '../appDependencies';
import { environmentOf } from '../authenticate';
import { conflict, notFound, unknownReference } from '../httpError';
import { requestRunOf } from '../idempotency';
import type { Operation, RouteRegistry } from '../routeRegistry';
import { archiveCustomerResponseSchema, customerPathSchema, provisionCustomerResponseSchema } from '../schemas/customers.schemas';
import { errorAnswer } from '../schemas/errors.schemas';

const archivedIdConflict = (customerId: string) =>
  conflict('CUSTOMER_ID_ARCHIVED', `customer id "${customerId}" belonged to an archived customer and cannot be reused`, 'customerId');

async function assertCouponExists(db: Db, environmentId: string, couponId: string | null | undefined) {
  if (!couponId) return;
  const coupon = await db.selectFrom('coupons').select('id').where('environment_id', '=', environmentId).where('id', '=', couponId).where('archived_at', 'is', null).executeTakeFirst();
  if (!coupon) throw unknownReference(`unknown coupon "${couponId}"`, 'couponId');
}

const provisionCustomerOperation = {
  method: 'post',
  path: '/v1/customers',
  summary: 'provisionCustomer: create a customer, or return the existing one with this id',
  body: { schema: provisionCustomerSchema },
  workflow: true,
  responses: {
    201: { description: 'Created', schema: provisionCustomerResponseSchema },
    200: { description: 'Already existed', schema: provisionCustomerResponseSchema },
    404: errorAnswer('An unknown plan, add-on or feature in subscriptionParams'),
    409: errorAnswer('The id belonged to an archived customer (`CUSTOMER_ID_ARCHIVED`), or a request with this Idempotency-Key is still running'),
    422: errorAnswer('The billing provider refused the billing info (`BILLING_PROVIDER_REJECTED`), or a reused Idempotency-Key'),
  },
} satisfies Operation;

const getCustomerOperation = {
  method: 'get',
  path: '/v1/customers/:customerId',
  summary: 'getCustomer',
  params: customerPathSchema,
  responses: { 200: { description: 'The customer', schema: customerSchema }, 404: errorAnswer('No such customer') },
} satisfies Operation;

const updateCustomerOperation = {
  method: 'patch',
  path: '/v1/customers/:customerId',
  summary: 'updateCustomer: partial update; billingInfo is sent whole to the billing provider and never stored',
  params: customerPathSchema,
  body: { schema: updateCustomerSchema },
  workflow: true,
  responses: {
    200: { description: 'The updated customer', schema: customerSchema },
    404: errorAnswer('No such customer'),
    422: errorAnswer('The billing provider refused the billing info (`BILLING_PROVIDER_REJECTED`), or a reused Idempotency-Key'),
  },
} satisfies Operation;

const archiveCustomerOperation = {
  method: 'post',
  path: '/v1/customers/:customerId/archive',
  summary: 'archiveCustomer: end every subscription, remove name, email and metadata, hide the customer; its id is never reused',
  params: customerPathSchema,
  workflow: true,
  responses: {
    200: { description: 'Archived (now, or by an earlier request: the same answer)', schema: archiveCustomerResponseSchema },
    404: errorAnswer('No such customer'),
  },
} satisfies Operation;

export function customersRoutes({ db, workflows, billingProvider, entitlementReads }: AppDependencies, { route }: RouteRegistry): void {
  // Billing info is only ever passed through to a provider: without one it is validated and dropped, so it never
  // reaches a workflow's history.
  const forProvider = <T>(billingInfo: T | undefined): T | undefined => (billingProvider === 'none' ? undefined : billingInfo);

  // 201 to the request that created the customer, also to its retry when the first answer was lost in a crash.
  async function answerProvision(res: Response, customer: Customer, created: boolean, initial: InitialSubscriptionAnswer = {}) {
    const requestRun = requestRunOf(res);
    const createdEarlier = !created && requestRun ? await findAppliedRequest(db, environmentOf(res), requestRun.requestKey) : undefined;
    // The outcome the workflow recorded is the customer it created.
    if (createdEarlier) return void res.status(201).json({ customer: createdEarlier.outcome as Customer });
    res.status(created ? 201 : 200).json({ customer, ...initial });
  }

  // The requested subscription (checked like provisionSubscription's), none (null), or the customer journey's.
  async function initialSubscriptions(environmentId: string, input: ProvisionCustomerInput): Promise<{ requests: SubscriptionRequest[]; strategy: SubscriptionDecisionStrategy }> {
    if (input.subscriptionParams === null) return { requests: [], strategy: 'SKIPPED_SUBSCRIPTION_CREATION' };
    if (input.subscriptionParams) {
      await checkSubscriptionCatalog(db, environmentId, input.subscriptionParams, 'subscriptionParams');
      return { requests: [toSubscriptionRequest(input.subscriptionParams)], strategy: 'REQUESTED_PLAN' };
    }
    const [products, packages] = await Promise.all([listLive(db, 'products', environmentId), listLivePackages(db, environmentId)]);
    const plans = new Map(packages.flatMap((p) => (p.kind === 'PLAN' ? [[p.id, p] as const] : [])));
    return journeySubscriptions(products.map((p) => ({ id: p.id, initialPlanId: p.initial_plan_id, multipleSubscriptions: p.multiple_subscriptions })), plans);
  }

  // What provisionCustomer tells of the initial subscription: the first one (the seed's shape), its checkout URL
  // when it waits for payment, or why it could not be created (the customer exists either way).
  async function initialAnswer(environmentId: string, results: InitialSubscriptionResult[], strategy: SubscriptionDecisionStrategy | undefined): Promise<InitialSubscriptionAnswer> {
    const first = results[0];
    if (!first) return strategy ? { subscriptionDecisionStrategy: strategy } : {};
    if ('failure' in first) {
      const answer = workflowFailureAnswer(ApplicationFailure.create({ message: first.failure.message, type: first.failure.type, details: first.failure.details }));
      return { subscriptionDecisionStrategy: strategy, subscriptionError: { code: answer?.code ?? 'SUBSCRIPTION_FAILED', message: first.failure.message } };
    }
    const row = await findSubscription(db, environmentId, first.subscriptionId);
    return {
      subscriptionDecisionStrategy: strategy,
      ...(row && { subscription: toSubscriptionView(row) }),
      ...(first.outcome.checkoutUrl && { checkoutUrl: first.outcome.checkoutUrl }),
    };
  }

  route(provisionCustomerOperation, async ({ body: input }, res) => {
    const environmentId = environmentOf(res);
    const requestRun = requestRunOf(res);
    // A retry of a request that started its workflow already awaits that run: the checks were made the first time.
    if (!requestRun?.startedRun) {
      const existing = await findCustomer(db, environmentId, input.customerId);
      if (existing?.archived_at) throw archivedIdConflict(input.customerId);
      if (existing) return answerProvision(res, toCustomerView(existing), false);

      await assertCouponExists(db, environmentId, input.couponId);
    }
    const initial = requestRun?.startedRun ? { requests: [], strategy: undefined } : await initialSubscriptions(environmentId, input);

    const result = await workflows.customers.provision(
      {
        environmentId,
        customerId: input.customerId,
        name: input.name ?? null,
        email: input.email ?? null,
        couponId: input.couponId ?? null,
        metadata: input.metadata ?? {},
        billingInfo: forProvider(input.billingInfo),
        initialSubscriptions: initial.requests,
      },
      requestRun,
    );
    if (result.archived) throw archivedIdConflict(input.customerId);
    entitlementReads?.forget?.(environmentId, input.customerId);
    await answerProvision(res, result.customer, result.created, result.created ? await initialAnswer(environmentId, result.subscriptions ?? [], initial.strategy) : {});
  });

  route(getCustomerOperation, async ({ params: { customerId } }, res) => {
    const row = await findCustomer(db, environmentOf(res), customerId);
    if (!row || row.archived_at) throw notFound(`customer "${customerId}" was not found`, 'customerId');
    res.json(toCustomerView(row));
  });

  route(updateCustomerOperation, async ({ params: { customerId }, body: input }, res) => {
    const environmentId = environmentOf(res);
    const requestRun = requestRunOf(res);
    const { billingInfo: sentBillingInfo, ...changes } = input;
    const billingInfo = forProvider(sentBillingInfo);
    if (!requestRun?.startedRun) {
      const row = await findCustomer(db, environmentId, customerId);
      if (!row || row.archived_at) throw notFound(`customer "${customerId}" was not found`, 'customerId');
      await assertCouponExists(db, environmentId, input.couponId);
      // Nothing to change: answer the customer as it is, without a workflow run or a new updatedAt.
      if (Object.keys(changes).length === 0 && !billingInfo) return void res.json(toCustomerView(row));
    }
    const result = await workflows.customers.update({ environmentId, customerId, changes, billingInfo }, requestRun);
    res.json(result.customer);
  });

  // Archiving an archived customer runs again and finds nothing left to do: the same answer, nothing changed.
  route(archiveCustomerOperation, async ({ params: { customerId } }, res) => {
    const environmentId = environmentOf(res);
    const requestRun = requestRunOf(res);
    if (!requestRun?.startedRun && !(await findCustomer(db, environmentId, customerId))) throw notFound(`customer "${customerId}" was not found`, 'customerId');
    const result = await workflows.customers.archive({ environmentId, customerId }, requestRun);
    entitlementReads?.forget?.(environmentId, customerId);
    res.json(result);
  });
}
