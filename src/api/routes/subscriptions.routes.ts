import { findCustomer } from '../../db/repositories/customers.repository';
import { loadSubscriptionCatalog } from '../../db/repositories/catalogRead.repository';
import { findVisibleSubscription, listCustomerLiveSubscriptions } from '../../db/repositories/subscriptions.repository';
import type { Db } from '../../db/createDb';
import { provisionSubscriptionResultSchema, subscriptionSchema } from '../../domain/subscriptions/subscription';
import { cancelSubscriptionSchema, provisionSubscriptionSchema } from '../../domain/subscriptions/subscriptionInput';
import { cancellationDateOf } from '../../domain/subscriptions/cancellationTime';
import { paramsAfterUpdate, updateSubscriptionSchema } from '../../domain/subscriptions/subscriptionUpdate';
import { resolveSubscriptionRequest } from '../../domain/subscriptions/subscriptionRequest';
import { toSubscriptionRequest } from '../../domain/subscriptions/subscriptionRequest.types';
import { toSlimSubscription, toSubscriptionView } from '../../domain/subscriptions/toSubscriptionView';
import type { SubscriptionParams } from '../../domain/customers/customerInput';
import type { AppDependencies } from '../appDependencies';
import { environmentOf } from '../authenticate';
import { HttpError, conflict, notFound } from '../httpError';
import { requestRunOf } from '../idempotency';
import type { Operation, RouteRegistry } from '../routeRegistry';
import { errorAnswer } from '../schemas/errors.schemas';
import {
  activeSubscriptionsSchema,
  customerSubscriptionsPathSchema,
  customerSubscriptionsQuerySchema,
  subscriptionPathSchema,
} from '../schemas/subscriptions.schemas';

const provisionSubscriptionOperation = {
  method: 'post',
  path: '/v1/subscriptions',
  summary: 'provisionSubscription: create a subscription, or answer PAYMENT_REQUIRED with a hosted checkout URL',
  body: { schema: provisionSubscriptionSchema },
  workflow: true,
  responses: {
    201: { description: 'Created (SUCCESS), or waiting for payment at checkoutUrl (PAYMENT_REQUIRED)', schema: provisionSubscriptionResultSchema },
    404: errorAnswer('No such customer, plan, add-on or feature'),
    409: errorAnswer('The customer is archived (`CUSTOMER_ARCHIVED`), a checkout is already waiting on this product (`CHECKOUT_PENDING`), or a start is already scheduled (`START_ALREADY_SCHEDULED`)'),
    422: errorAnswer('The promotion code does not apply (`PROMOTION_CODE_NOT_APPLICABLE`), the provider refused (`BILLING_PROVIDER_REJECTED`), or a later start needs a payment method (`PAYMENT_METHOD_REQUIRED`)'),
  },
} satisfies Operation;

const getSubscriptionOperation = {
  method: 'get',
  path: '/v1/subscriptions/:subscriptionId',
  summary: 'getSubscription: the full subscription',
  params: subscriptionPathSchema,
  responses: { 200: { description: 'The subscription', schema: subscriptionSchema }, 404: errorAnswer('No such subscription') },
} satisfies Operation;

const updateSubscriptionOperation = {
  method: 'patch',
  path: '/v1/subscriptions/:subscriptionId',
  summary:
    'updateSubscription: quantities, add-ons, promotion code, billing period, billing information, metadata; `cancellationDate: null` undoes a scheduled cancellation. With a provider, a billed change is prorated and invoiced at once (at `prorationDate` when given: an estimate\'s, to be charged exactly that); a billing-period change starts a new cycle. A no-op changes nothing and charges nothing',
  params: subscriptionPathSchema,
  body: { schema: updateSubscriptionSchema },
  workflow: true,
  responses: {
    200: { description: 'The updated subscription', schema: subscriptionSchema },
    400: errorAnswer('A field the catalog refuses (an incompatible add-on, a quantity over its maximum, a billing period the plan has no price for), or a `prorationDate` outside the current period or in the future, named'),
    404: errorAnswer('No such subscription, add-on or feature'),
    409: errorAnswer('The subscription has ended, or is not live yet (`SUBSCRIPTION_NOT_UPDATABLE`)'),
    422: errorAnswer('The promotion code does not apply, or the provider refused the change (a declined proration charge): nothing changed'),
  },
} satisfies Operation;

const cancelSubscriptionOperation = {
  method: 'post',
  path: '/v1/subscriptions/:subscriptionId/cancel',
  summary:
    'cancelSubscription: IMMEDIATE (optionally `prorate`: credit for the unused time), END_OF_BILLING_PERIOD (the trial\'s end during a trial) or SPECIFIC_DATE (`endDate`). A subscription waiting for checkout or a scheduled start is cancelled at once (a waiting checkout is expired at the provider, nothing is charged)',
  params: subscriptionPathSchema,
  body: { schema: cancelSubscriptionSchema },
  workflow: true,
  responses: {
    200: { description: 'The cancelled subscription', schema: subscriptionSchema },
    404: errorAnswer('No such subscription'),
    400: errorAnswer('`endDate` missing for SPECIFIC_DATE, in the past, or after the period end for END_OF_BILLING_PERIOD; `prorate` with END_OF_BILLING_PERIOD'),
    409: errorAnswer('The subscription has already ended (`SUBSCRIPTION_NOT_CANCELABLE`)'),
  },
} satisfies Operation;

const activeSubscriptionsOperation = {
  method: 'get',
  path: '/v1/customers/:customerId/subscriptions',
  summary: 'getActiveSubscriptionsList: the customer\'s live subscriptions (slim)',
  params: customerSubscriptionsPathSchema,
  query: customerSubscriptionsQuerySchema,
  responses: { 200: { description: 'Live subscriptions, oldest first', schema: activeSubscriptionsSchema }, 404: errorAnswer('No such customer') },
} satisfies Operation;

// Checks a subscription request against the customer and catalog before any workflow starts: bad input is a 4xx
// that leaves no trace. The workflow checks again when it runs (the catalog may change in between).
export async function checkSubscriptionRequest(db: Db, environmentId: string, customerId: string, params: SubscriptionParams) {
  const customer = await findCustomer(db, environmentId, customerId);
  if (!customer) throw notFound(`customer "${customerId}" was not found`, 'customerId');
  if (customer.archived_at) throw conflict('CUSTOMER_ARCHIVED', `customer "${customerId}" is archived`, 'customerId');
  return checkSubscriptionCatalog(db, environmentId, params);
}

export async function checkSubscriptionCatalog(db: Db, environmentId: string, params: SubscriptionParams, base = '') {
  const resolved = resolveSubscriptionRequest(params, await loadSubscriptionCatalog(db, environmentId), base);
  if ('problem' in resolved) {
    const { status, code, field, message } = resolved.problem;
    throw new HttpError(status, code, `${field}: ${message}`, field);
  }
  return resolved.request;
}

// An update's prorationDate (an estimate's): a second of the current billing period that has come, as Stripe takes it.
function checkProrationDate(at: Date, current: { currentBillingPeriodStart: string | null; currentBillingPeriodEnd: string | null }, now: Date) {
  const start = current.currentBillingPeriodStart ? new Date(current.currentBillingPeriodStart).getTime() : null;
  const end = current.currentBillingPeriodEnd ? new Date(current.currentBillingPeriodEnd).getTime() : null;
  if (at.getTime() > now.getTime()) throw new HttpError(400, 'INVALID_INPUT', 'prorationDate: must not be in the future', 'prorationDate');
  if ((start !== null && at.getTime() < Math.floor(start / 1000) * 1000) || (end !== null && at.getTime() >= end)) {
    throw new HttpError(400, 'INVALID_INPUT', 'prorationDate: must fall within the current billing period', 'prorationDate');
  }
}

export function subscriptionsRoutes({ db, workflows, entitlementReads }: AppDependencies, { route }: RouteRegistry): void {
  const readView = async (environmentId: string, subscriptionId: string) => {
    const row = await findVisibleSubscription(db, environmentId, subscriptionId);
    if (!row) throw notFound(`subscription "${subscriptionId}" was not found`, 'subscriptionId');
    return toSubscriptionView(row);
  };

  route(provisionSubscriptionOperation, async ({ body }, res) => {
    const environmentId = environmentOf(res);
    const requestRun = requestRunOf(res);
    const { customerId, ...params } = body;
    if (!requestRun?.startedRun) await checkSubscriptionRequest(db, environmentId, customerId, params);
    const outcome = await workflows.subscriptions.provision({ environmentId, customerId, request: toSubscriptionRequest(params) }, requestRun);
    entitlementReads?.forget?.(environmentId, customerId);
    const subscription = await readView(environmentId, outcome.subscriptionId);
    res.status(201).json({ provisionStatus: outcome.provisionStatus, subscription, ...(outcome.checkoutUrl && { checkoutUrl: outcome.checkoutUrl }) });
  });

  route(getSubscriptionOperation, async ({ params }, res) => {
    res.json(await readView(environmentOf(res), params.subscriptionId));
  });

  route(updateSubscriptionOperation, async ({ params, body }, res) => {
    const environmentId = environmentOf(res);
    const current = await readView(environmentId, params.subscriptionId);
    if (current.status === 'CANCELED' || current.status === 'EXPIRED') throw conflict('SUBSCRIPTION_NOT_UPDATABLE', `subscription "${current.id}" has ended (${current.status})`, 'subscriptionId');
    if (current.status === 'NOT_STARTED' || current.checkoutUrl !== null) {
      throw conflict('SUBSCRIPTION_NOT_UPDATABLE', `subscription "${current.id}" is not live yet (${current.status}): cancel it and provision again instead`, 'subscriptionId');
    }
    // Checked here first, so a bad request is a 4xx naming its field before any workflow hears of it.
    if (body.prorationDate !== undefined) checkProrationDate(new Date(body.prorationDate), current, new Date());
    await checkSubscriptionCatalog(db, environmentId, paramsAfterUpdate(current, body));
    if (!(await workflows.subscriptions.update(environmentId, current.id, body, requestRunOf(res)))) {
      throw conflict('SUBSCRIPTION_NOT_UPDATABLE', `subscription "${current.id}" has ended`, 'subscriptionId');
    }
    entitlementReads?.forget?.(environmentId, current.customerId);
    res.json(await readView(environmentId, current.id));
  });

  route(cancelSubscriptionOperation, async ({ params, body }, res) => {
    const environmentId = environmentOf(res);
    const current = await readView(environmentId, params.subscriptionId);
    const notCancelable = () => conflict('SUBSCRIPTION_NOT_CANCELABLE', `subscription "${params.subscriptionId}" has already ended (${current.status})`, 'subscriptionId');
    if (current.status === 'CANCELED' || current.status === 'EXPIRED') throw notCancelable();
    const endDate = body.endDate === undefined ? undefined : new Date(body.endDate);
    const live = current.status !== 'NOT_STARTED' && current.checkoutUrl === null;
    const date = (iso: string | null) => (iso ? new Date(iso) : null);
    const decided = cancellationDateOf(
      { subscriptionCancellationTime: body.subscriptionCancellationTime, ...(endDate && { endDate }), ...(body.prorate !== undefined && { prorate: body.prorate }) },
      { status: current.status, live, trialEndDate: date(current.trialEndDate), currentBillingPeriodEnd: date(current.currentBillingPeriodEnd) },
      new Date(),
    );
    if ('problem' in decided) throw new HttpError(400, 'INVALID_INPUT', `${decided.problem.field}: ${decided.problem.message}`, decided.problem.field);
    const request = { subscriptionCancellationTime: body.subscriptionCancellationTime, ...(endDate && { endDate: endDate.toISOString() }), ...(body.prorate !== undefined && { prorate: body.prorate }) };
    if (!(await workflows.subscriptions.cancel(environmentId, params.subscriptionId, request, requestRunOf(res)))) throw notCancelable();
    entitlementReads?.forget?.(environmentId, current.customerId);
    res.json(await readView(environmentId, params.subscriptionId));
  });

  route(activeSubscriptionsOperation, async ({ params, query }, res) => {
    const environmentId = environmentOf(res);
    const customer = await findCustomer(db, environmentId, params.customerId);
    if (!customer || customer.archived_at) throw notFound(`customer "${params.customerId}" was not found`, 'customerId');
    const rows = await listCustomerLiveSubscriptions(db, environmentId, params.customerId, query.resourceId);
    res.json(rows.map((row) => toSlimSubscription(toSubscriptionView(row))));
  });
}
