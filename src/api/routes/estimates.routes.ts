import { estimateSchema } from '../../domain/pricing/estimateView';
import { estimateSubscriptionSchema, estimateSubscriptionUpdateSchema } from '../../domain/subscriptions/estimateInput';
import { paramsAfterUpdate } from '../../domain/subscriptions/subscriptionUpdate';
import { toSubscriptionView } from '../../domain/subscriptions/toSubscriptionView';
import { findSubscription } from '../../db/repositories/subscriptions.repository';
import { estimateSubscription } from '../../services/estimates/estimateSubscription';
import { estimateSubscriptionUpdate } from '../../services/estimates/estimateSubscriptionUpdate';
import type { AppDependencies } from '../appDependencies';
import { environmentOf } from '../authenticate';
import { EstimateRefusal } from '../../services/estimates/estimateRefusal';
import { HttpError, conflict, notFound } from '../httpError';
import type { Operation, RouteRegistry } from '../routeRegistry';
import { errorAnswer } from '../schemas/errors.schemas';
import { subscriptionPathSchema } from '../schemas/subscriptions.schemas';
import { checkSubscriptionCatalog, checkSubscriptionRequest } from './subscriptions.routes';

const estimateSubscriptionOperation = {
  method: 'post',
  path: '/v1/subscriptions/estimate',
  summary:
    'estimateSubscription: the first invoice of a subscription before it is provisioned (and, replacing a live paid one on the product, the proration against it plus the new un-prorated totals). From the billing provider\'s invoice preview when one is configured, else from the pricing engine. Creates and charges nothing',
  body: { schema: estimateSubscriptionSchema },
  responses: {
    200: { description: 'The estimate', schema: estimateSchema },
    400: errorAnswer('A field the catalog refuses (an incompatible add-on, a quantity over its maximum, a billing period the plan has no price for), named'),
    404: errorAnswer('No such customer, plan, add-on or feature'),
    409: errorAnswer('The customer is archived (`CUSTOMER_ARCHIVED`)'),
    422: errorAnswer('The promotion code does not apply (`PROMOTION_CODE_NOT_APPLICABLE`), or the provider refused the preview (`BILLING_PROVIDER_REJECTED`)'),
    503: errorAnswer('The billing provider did not answer (`BILLING_PROVIDER_UNAVAILABLE`); nothing changed'),
  },
} satisfies Operation;

const estimateSubscriptionUpdateOperation = {
  method: 'post',
  path: '/v1/subscriptions/:subscriptionId/estimate',
  summary:
    'estimateSubscriptionUpdate: what updateSubscription with these quantities, add-ons or promotion code would invoice now (the prorations at `prorationDate`, the subscription\'s un-prorated totals after it). Give the answer\'s `prorationDate` to the update to be charged exactly this. Changes and charges nothing',
  params: subscriptionPathSchema,
  body: { schema: estimateSubscriptionUpdateSchema },
  responses: {
    200: { description: 'The estimate', schema: estimateSchema },
    400: errorAnswer('A field the catalog refuses (an incompatible add-on, a quantity over its maximum), named'),
    404: errorAnswer('No such subscription, add-on or feature'),
    409: errorAnswer('The subscription has ended, or is not live yet (`SUBSCRIPTION_NOT_UPDATABLE`)'),
    422: errorAnswer('The promotion code does not apply (`PROMOTION_CODE_NOT_APPLICABLE`), or the provider refused the preview (`BILLING_PROVIDER_REJECTED`)'),
    503: errorAnswer('The billing provider did not answer (`BILLING_PROVIDER_UNAVAILABLE`); nothing changed'),
  },
} satisfies Operation;

// A refused estimate as the API's error answer.
async function answered<T>(estimate: Promise<T>): Promise<T> {
  try {
    return await estimate;
  } catch (error) {
    if (error instanceof EstimateRefusal) throw new HttpError(error.status, error.code, error.message, error.field, error.details);
    throw error;
  }
}

// Estimates are reads: validated exactly as provisioning and updates are, then priced; no row, workflow or provider write.
export function estimatesRoutes({ db, billing }: AppDependencies, { route }: RouteRegistry): void {
  route(estimateSubscriptionOperation, async ({ body }, res) => {
    const environmentId = environmentOf(res);
    const { customerId, ...params } = body;
    const request = await checkSubscriptionRequest(db, environmentId, customerId, params);
    res.json(await answered(estimateSubscription({ db, billing }, environmentId, body, request, new Date())));
  });

  route(estimateSubscriptionUpdateOperation, async ({ params, body }, res) => {
    const environmentId = environmentOf(res);
    const row = await findSubscription(db, environmentId, params.subscriptionId);
    if (!row) throw notFound(`subscription "${params.subscriptionId}" was not found`, 'subscriptionId');
    const current = toSubscriptionView(row);
    // The same refusals as updateSubscription's.
    if (current.status === 'CANCELED' || current.status === 'EXPIRED') throw conflict('SUBSCRIPTION_NOT_UPDATABLE', `subscription "${current.id}" has ended (${current.status})`, 'subscriptionId');
    if (current.status === 'NOT_STARTED' || current.checkoutUrl !== null) {
      throw conflict('SUBSCRIPTION_NOT_UPDATABLE', `subscription "${current.id}" is not live yet (${current.status})`, 'subscriptionId');
    }
    const request = await checkSubscriptionCatalog(db, environmentId, paramsAfterUpdate(current, body));
    res.json(await answered(estimateSubscriptionUpdate({ db, billing }, environmentId, current.id, body, request, new Date())));
  });
}
