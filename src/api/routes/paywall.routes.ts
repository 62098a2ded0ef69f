import { findCustomer } from '../../db/repositories/customers.repository';
import { loadPaywallCatalog, loadPaywallCustomerState } from '../../db/repositories/paywall.repository';
import { paywallSchema } from '../../domain/paywall/paywallView';
import { shapePaywall } from '../../domain/paywall/shapePaywall';
import type { AppDependencies } from '../appDependencies';
import { environmentOf } from '../authenticate';
import { badRequest, notFound } from '../httpError';
import type { Operation, RouteRegistry } from '../routeRegistry';
import { errorAnswer } from '../schemas/errors.schemas';
import { paywallQuerySchema } from '../schemas/paywall.schemas';

const getPaywallOperation = {
  method: 'get',
  path: '/v1/paywall',
  summary: 'What a pricing page needs: the product\'s published plans (latest versions) with localized prices, entitlements and compatible add-ons; with a customer, their current plan and the upgrades',
  query: paywallQuerySchema,
  responses: { 200: { description: 'The paywall', schema: paywallSchema }, 404: errorAnswer('No such product (`productId`), or no such customer (`customerId`; archived ones included)') },
} satisfies Operation;

export function paywallRoutes({ db }: AppDependencies, { route }: RouteRegistry): void {
  route(getPaywallOperation, async ({ query }, res) => {
    const environmentId = environmentOf(res);
    const { productId, customerId, resourceId, billingCountryCode } = query;
    if (resourceId !== undefined && customerId === undefined) throw badRequest('resourceId: only with a customerId', 'resourceId');
    const catalog = await loadPaywallCatalog(db, environmentId, productId);
    if (!catalog) throw notFound(`product "${productId}" was not found`, 'productId');
    let customer = null;
    if (customerId !== undefined) {
      const row = await findCustomer(db, environmentId, customerId);
      if (!row || row.archived_at) throw notFound(`customer "${customerId}" was not found`, 'customerId');
      customer = await loadPaywallCustomerState(db, environmentId, { customerId, productId, resourceId: resourceId ?? null });
    }
    res.json(shapePaywall(catalog, billingCountryCode ?? null, customer));
  });
}
