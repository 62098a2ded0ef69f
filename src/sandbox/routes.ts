// The sandbox's API routes in one table, and dispatching a request to the one that matches.
import { catalogRoutes } from './catalog';
import { checkoutSessionRoutes } from './checkoutSessions';
import { couponRoutes } from './coupons';
import { customerRoutes } from './customers';
import { eventRoutes } from './events';
import type { FormObject } from './form';
import { collectionRoutes } from './collection';
import { invoiceItemRoutes } from './invoiceItems';
import { invoicePreviewRoutes } from './invoicePreview';
import { invoiceRoutes } from './invoices';
import { expandList, invalid, type RequestInfo, type Route, type Store, type StripeErrorBody } from './params';
import { paymentMethodRoutes } from './paymentMethods';
import { subscriptionRoutes } from './subscriptions';
import { taxIdRoutes } from './taxIds';
import { taxRateRoutes } from './taxRates';

const ROUTES: readonly Route[] = [
  ...customerRoutes, ...taxIdRoutes, ...paymentMethodRoutes, ...catalogRoutes, ...taxRateRoutes, ...couponRoutes, ...subscriptionRoutes,
  ...invoiceRoutes, ...invoicePreviewRoutes, ...invoiceItemRoutes, ...collectionRoutes, ...checkoutSessionRoutes, ...eventRoutes,
];
const COMPILED = ROUTES.map(([method, pattern, handler]) => ({
  method,
  regex: new RegExp(`^${pattern.replace(/:\w+/g, '([^/]+)')}$`),
  handler,
}));

export function dispatch(store: Store, method: string, path: string, body: FormObject, request: RequestInfo, publicUrl: string): unknown {
  for (const route of COMPILED) {
    const match = route.method === method ? route.regex.exec(path) : null;
    if (!match) continue;
    const segment = (i: number): string => decodeURIComponent(match[i] ?? '');
    return route.handler({ store, id: segment(1), subId: segment(2), body, expand: expandList(body), request, publicUrl });
  }
  throw invalid(
    `Unrecognized request URL (${method}: ${path}). Please see https://stripe.com/docs or we can help at https://support.stripe.com/.`,
    {},
    404,
  );
}

export function injectedError(status: number): StripeErrorBody {
  if (status === 429) return { type: 'invalid_request_error', code: 'rate_limit', message: 'Stripe sandbox: injected rate limit (HTTP 429)' };
  const type = status >= 500 ? 'api_error' : 'invalid_request_error';
  return { type, message: `Stripe sandbox: injected failure (HTTP ${status})` };
}

