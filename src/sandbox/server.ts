// The Stripe sandbox's HTTP layer: auth, routing, Stripe-style idempotency, and failure/delay injection.
// A local stand-in for Stripe's API (test mode): it follows Stripe's documented behaviour, never Tollgate's code.
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import Stripe from 'stripe';
import { sweepDue } from './billingCycles';
import { completeCheckoutSession } from './checkoutCompletion';
import { scheduleDecline } from './collection';
import { checkoutPage } from './checkoutPage';
import { publicSession } from './checkoutSessions';
import { canonicalJson, decodeForm, type FormObject } from './form';
import { SandboxError, newId, type DiscountObject, type SandboxObject, type StoredObject, type StripeErrorBody } from './params';
import { dispatch, injectedError } from './routes';
import { forgetExpiredKeys, loadSandboxState, saveSandboxState, type StoredReply as Reply, type StoredResult } from './stateFile';
import { SANDBOX_SECRET_KEY } from './secretKey';
import { clearStore, createStore } from './store';
import { WebhookDispatcher, type WebhookDelivery, type WebhookEndpoint, type WebhookRetryOptions } from './webhooks';

export type { SandboxObject, StoredObject } from './params';
export type { FormObject, FormValue } from './form';
export type { WebhookAttempt, WebhookDelivery, WebhookEndpoint, WebhookRetryOptions } from './webhooks';

export interface RecordedRequest {
  method: string;
  /** Path without the query string. */
  path: string;
  idempotencyKey?: string;
  /** Decoded form body for POST; the decoded query string for GET. */
  body: FormObject;
  headers: IncomingHttpHeaders;
}

export interface StripeSandboxState {
  readonly customers: ReadonlyMap<string, SandboxObject>;
  readonly products: ReadonlyMap<string, SandboxObject>;
  readonly prices: ReadonlyMap<string, SandboxObject>;
  readonly paymentMethods: ReadonlyMap<string, SandboxObject>;
  /** Tax ids carry no metadata, hence the looser type. */
  readonly taxIds: ReadonlyMap<string, StoredObject>;
  readonly taxRates: ReadonlyMap<string, SandboxObject>;
  readonly coupons: ReadonlyMap<string, SandboxObject>;
  readonly promotionCodes: ReadonlyMap<string, SandboxObject>;
  readonly discounts: ReadonlyMap<string, DiscountObject>;
  readonly subscriptions: ReadonlyMap<string, SandboxObject>;
  readonly invoices: ReadonlyMap<string, SandboxObject>;
  readonly invoiceItems: ReadonlyMap<string, SandboxObject>;
  /** Customers whose next charge the sandbox declines on purpose (failNextPayment). */
  readonly scheduledDeclines: ReadonlyMap<string, StoredObject>;
  /** Sessions carry a `sandbox_plan` field (what completing them creates) that the API never shows. */
  readonly checkoutSessions: ReadonlyMap<string, SandboxObject>;
  readonly events: ReadonlyMap<string, StoredObject>;
}

export interface StripeSandboxOptions {
  /** Clock in milliseconds (like Date.now); `created` fields are derived from it in unix seconds. */
  now?: () => number;
  /** Loopback port to listen on; 0 (the default) picks a free one. */
  port?: number;
  /** Objects and idempotency results are loaded from and saved to this JSON file; absent: memory only. */
  stateFile?: string;
  /** Keep every request in `requests` (tests read it); off for a long-running `npm start`, whose memory it would fill. */
  recordRequests?: boolean;
  /** Base URL of the hosted checkout pages in session `url`s (e.g. behind a proxy); default: the sandbox's own url. */
  publicUrl?: string;
  /** Endpoints every event is POSTed to, signed with their secret like Stripe's webhooks. */
  webhookEndpoints?: WebhookEndpoint[];
  /** Retry policy of webhook deliveries (tests shorten the delays). */
  webhookRetry?: WebhookRetryOptions;
  /** Also catch up with the clock (session expiry, renewals) every this many ms without requests; default 60 000, 0 = only on requests. */
  sweepIntervalMs?: number;
}

export interface StripeSandbox {
  readonly port: number;
  readonly url: string;
  readonly state: StripeSandboxState;
  readonly requests: RecordedRequest[];
  /** A real SDK client pointed at the sandbox; `overrides` is merged last (e.g. `{ timeout: 200 }`). */
  client(overrides?: Stripe.StripeConfig): Stripe;
  /** The next `count` requests fail with `status` before reaching any endpoint (nothing is stored). */
  failNext(count: number, status?: number): void;
  /** The next request is processed immediately but its response is held back `ms` milliseconds. */
  delayNext(ms: number): void;
  /** The latest 1000 webhook deliveries: event, endpoint, payload, signature, each attempt's answer. */
  readonly webhookDeliveries: readonly WebhookDelivery[];
  addWebhookEndpoint(url: string, secret: string): void;
  /** Resolves once no webhook delivery is pending (delivered, or given up after its retries). */
  settleWebhooks(): Promise<void>;
  /**
   * What pressing Pay on the hosted page does (pays with `paymentMethod`, default `pm_card_visa`); returns the session.
   * Throws a SandboxError (4xx) when the session is not open, the card is declined or a discount is no longer valid.
   */
  completeCheckout(sessionId: string, options?: { paymentMethod?: string }): SandboxObject;
  /**
   * Test control: the customer's next charge (renewal, update invoice, retry or pay call) is declined, as if the card
   * refused it; the same as `POST /_sandbox/customers/:id/fail_next_payment` with the sandbox's API key.
   */
  failNextPayment(customerId: string): void;
  /** Forgets all objects, events, logged requests, webhook deliveries, idempotency keys and pending injections. */
  reset(): void;
  close(): Promise<void>;
}


const firstHeader = (value: string | string[] | undefined): string | undefined => (Array.isArray(value) ? value[0] : value);

export async function startStripeSandbox(options: StripeSandboxOptions = {}): Promise<StripeSandbox> {
  const now = options.now ?? Date.now;
  const webhooks = new WebhookDispatcher(options.webhookEndpoints ?? [], options.webhookRetry);
  const store = createStore({
    nowSeconds: () => Math.floor(now() / 1000),
    onEvent: (event) => webhooks.enqueue(event),
    countWebhookEndpoints: () => webhooks.endpointCount,
  });
  let publicUrl = '';
  const requests: RecordedRequest[] = [];
  const idempotency = new Map<string, StoredResult>();
  if (options.stateFile) loadSandboxState(options.stateFile, store, idempotency);
  const save = (): void => {
    if (options.stateFile) saveSandboxState(options.stateFile, store, idempotency);
  };
  const failures: number[] = [];
  const delays: number[] = [];
  const timers = new Set<NodeJS.Timeout>();

  const reply = (status: number, body: unknown, headers: Record<string, string>): Reply => ({ status, json: JSON.stringify(body), headers });
  const errorReply = (status: number, error: StripeErrorBody, headers: Record<string, string>): Reply => reply(status, { error }, headers);

  function handle(method: string, path: string, body: FormObject, key: string | undefined, headers: IncomingHttpHeaders): Reply {
    const requestId = newId('req', 14);
    const base: Record<string, string> = {
      'Request-Id': requestId,
      'Stripe-Version': firstHeader(headers['stripe-version']) ?? Stripe.API_VERSION,
      ...(key !== undefined ? { 'Idempotency-Key': key } : {}),
    };
    const failure = failures.shift();
    if (failure !== undefined) return errorReply(failure, injectedError(failure), base);
    const auth = firstHeader(headers.authorization) ?? '';
    if (!/^Bearer (sk|rk)_test_\S+$/.test(auth)) {
      const message = auth
        ? `Invalid API Key provided: ${auth.replace(/^Bearer /, '').slice(0, 8)}****`
        : 'You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. \'Authorization: Bearer YOUR_SECRET_KEY\').';
      return errorReply(401, { type: 'invalid_request_error', message }, base);
    }
    // Stripe only honours idempotency keys on POST; GET/DELETE are naturally idempotent.
    const idempotentKey = method === 'POST' ? key : undefined;
    const params = canonicalJson(body);
    // Stripe forgets a key after 24 hours; so does the sandbox, which otherwise keeps every key for as long as it runs.
    forgetExpiredKeys(idempotency, store.nowSeconds());
    if (idempotentKey !== undefined) {
      if (idempotentKey.length > 255) {
        return errorReply(400, { type: 'invalid_request_error', message: 'Idempotency keys can be at most 255 characters long.' }, base);
      }
      const stored = idempotency.get(idempotentKey);
      const retry = ` Try using a key other than '${idempotentKey}' if you meant to execute a different request.`;
      if (stored && (stored.method !== method || stored.path !== path)) {
        const message = `Keys for idempotent requests can only be used for the same endpoint they were first used for ('${stored.path}' vs '${path}').${retry}`;
        return errorReply(400, { type: 'idempotency_error', message }, base);
      }
      if (stored && stored.params !== params) {
        const message = `Keys for idempotent requests can only be used with the same parameters they were first used with.${retry}`;
        return errorReply(400, { type: 'idempotency_error', message }, base);
      }
      if (stored) {
        const original = stored.reply.headers['Request-Id'] ?? '';
        return { ...stored.reply, headers: { ...stored.reply.headers, 'Request-Id': requestId, 'Original-Request': original, 'Idempotent-Replayed': 'true' } };
      }
    }
    let result: Reply;
    try {
      const request = { id: requestId, idempotencyKey: idempotentKey ?? null };
      result = reply(200, dispatch(store, method, path, body, request, publicUrl), base);
    } catch (error) {
      result = error instanceof SandboxError
        ? errorReply(error.status, error.body, base)
        : errorReply(500, { type: 'api_error', message: `Stripe sandbox internal error: ${String(error)}` }, base);
    }
    // Stripe saves a result once the endpoint ran (successes, and card declines: 402); validation rejections can be retried.
    const ran = result.status < 400 || result.status === 402;
    if (idempotentKey !== undefined && ran) idempotency.set(idempotentKey, { method, path, params, reply: result, at: store.nowSeconds() });
    // Saved before the reply leaves: a write Stripe acknowledged is never lost by a restart.
    if (method !== 'GET' && ran) save();
    return result;
  }

  function respond(req: IncomingMessage, res: ServerResponse, raw: string): void {
    const url = new URL(req.url ?? '/', 'http://sandbox.invalid');
    const method = (req.method ?? 'GET').toUpperCase();
    const body = decodeForm(method === 'POST' ? raw : url.search.slice(1));
    const key = firstHeader(req.headers['idempotency-key']);
    // Stripe expires sessions and renews subscriptions on its own schedule; the sandbox catches up whenever it is asked anything.
    if (sweepDue(store)) save();
    // The hosted checkout page is for browsers: no API key, HTML answers.
    const hosted = checkoutPage(store, method, url.pathname);
    if (hosted) {
      if (method === 'POST') save();
      res.writeHead(hosted.status, hosted.headers);
      res.end(hosted.body);
      return;
    }
    if (options.recordRequests !== false) requests.push({ method, path: url.pathname, ...(key !== undefined ? { idempotencyKey: key } : {}), body, headers: req.headers });
    const result = handle(method, url.pathname, body, key, req.headers);
    const send = (): void => {
      // The client may have timed out and hung up while the response was delayed.
      if (res.destroyed) return;
      res.writeHead(result.status, { 'Content-Type': 'application/json', ...result.headers });
      res.end(result.json);
    };
    const delay = delays.shift() ?? 0;
    if (delay <= 0) return send();
    const timer = setTimeout(() => {
      timers.delete(timer);
      send();
    }, delay);
    timers.add(timer);
  }

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => respond(req, res, Buffer.concat(chunks).toString('utf8')));
    req.on('error', () => undefined);
    res.on('error', () => undefined);
  });
  // Longer than any test, so the SDK's keep-alive agent never reuses a socket the server is closing.
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const sweepEvery = options.sweepIntervalMs ?? 60_000;
  const sweeper = sweepEvery > 0 ? setInterval(() => sweepDue(store) && save(), sweepEvery).unref() : undefined;
  publicUrl = (options.publicUrl ?? `http://127.0.0.1:${port}`).replace(/\/+$/, '');

  return {
    port,
    url: `http://127.0.0.1:${port}`,
    state: store,
    requests,
    client: (overrides = {}) =>
      new Stripe(SANDBOX_SECRET_KEY, { host: '127.0.0.1', port, protocol: 'http', maxNetworkRetries: 0, ...overrides }),
    failNext: (count, status = 500) => {
      for (let i = 0; i < count; i += 1) failures.push(status);
    },
    delayNext: (ms) => {
      delays.push(ms);
    },
    get webhookDeliveries() {
      return webhooks.deliveries;
    },
    addWebhookEndpoint: (url, secret) => webhooks.addEndpoint(url, secret),
    settleWebhooks: () => webhooks.settle(),
    completeCheckout: (sessionId, { paymentMethod } = {}) => {
      try {
        sweepDue(store);
        return publicSession(completeCheckoutSession(store, { id: null, idempotencyKey: null }, sessionId, paymentMethod));
      } finally {
        save();
      }
    },
    failNextPayment: (customerId) => {
      scheduleDecline(store, customerId);
      save();
    },
    reset: () => {
      clearStore(store);
      webhooks.deliveries.length = 0;
      requests.length = 0;
      idempotency.clear();
      failures.length = 0;
      delays.length = 0;
      save();
    },
    close: async () => {
      webhooks.close();
      clearInterval(sweeper);
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
    },
  };
}
