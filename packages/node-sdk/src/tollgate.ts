import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { getHeapStatistics } from 'node:v8';
import type { StreamedGrant } from './customerEntitlements.js';
import { createEntitlementsStore, type EntitlementsStore } from './entitlementsStore.js';
import { TollgateError } from './errors.js';
import { fallbackEntitlement } from './fallback.js';
import { createHttpClient, type HttpRequest, type HttpSend } from './httpClient.js';
import { levelledLogger } from './logger.js';
import { startRealtimeStream } from './realtimeStream.js';
import { createReporting, defined, iso } from './reporting.js';
import type { SseEvent } from './sseParser.js';
import type { GetPaywallRequest, Paywall } from './paywallTypes.js';
import * as E from './estimates.js';
import type * as T from './types.js';
import * as wire from './wire.js';

const DEFAULT_BASE_URI = 'http://127.0.0.1:3000';
const REQUEST_BACKOFF = { baseMs: 100, maxMs: 5_000 };
const STREAM_BACKOFF = { baseMs: 250, maxMs: 15_000 };
// Three missed heartbeats (the service sends one every 15 s).
const STREAM_IDLE_TIMEOUT_MS = 45_000;
// Without the stream, a cached entry is refetched once older than this.
const CACHE_MAX_AGE_WITHOUT_STREAM_MS = 30_000;

const path = (...parts: string[]) => parts.map((part) => (part.startsWith('/') ? part : `/${encodeURIComponent(part)}`)).join('');

// The Tollgate server SDK: one instance per process. Entitlement checks are answered from an in-process cache that
// the realtime stream keeps fresh; reads and writes retry on network errors; usage and events reported while the
// service is unreachable wait in a bounded buffer; offline mode answers from fallbacks without any network.
export class Tollgate {
  private readonly events = new EventEmitter();
  // Read by every cached check: whether a cacheHit / cacheMiss payload is worth building.
  private readonly cacheListeners = { hit: false, miss: false };
  private readonly lifetime = new AbortController();
  private readonly logger: T.Logger;
  private readonly offline: boolean;
  private readonly fallbacks: Record<string, T.EntitlementFallback>;
  private readonly send: HttpSend;
  private readonly store: EntitlementsStore;
  private readonly reporting: ReturnType<typeof createReporting>;
  private readonly timeout: number;
  private readonly initialization: Promise<Tollgate>;

  static initialize(configuration: T.TollgateConfiguration): Tollgate {
    return new Tollgate(configuration);
  }

  private constructor(configuration: T.TollgateConfiguration) {
    if (!configuration || (typeof configuration.apiKey !== 'string' && !configuration.offline)) throw new TollgateError('apiKey is required', { code: 'INVALID_CONFIGURATION', field: 'apiKey' });
    const baseUri = configuration.baseUri ?? DEFAULT_BASE_URI;
    const apiKey = configuration.apiKey ?? '';
    this.events.setMaxListeners(0);
    this.logger = levelledLogger(configuration.logConfiguration?.logger, configuration.logConfiguration?.logLevel);
    this.offline = configuration.offline ?? false;
    this.fallbacks = configuration.entitlementsFallback ?? {};
    const realtime = !this.offline && (configuration.realtimeUpdatesEnabled ?? true);
    this.send = createHttpClient({
      baseUri,
      apiKey,
      maxRetries: configuration.maxRetries ?? 3,
      backoff: REQUEST_BACKOFF,
      lifetime: this.lifetime.signal,
      onNetworkFailure: (payload) => this.emit('networkRequestFailed', payload),
      onApiKeyInvalid: () => this.emit('apiKeyInvalid'),
    });
    this.store = createEntitlementsStore({
      send: this.send,
      maxBytes: configuration.memoryCacheMaxSizeBytes ?? Math.floor(getHeapStatistics().heap_size_limit / 10),
      entitlementsTimeout: configuration.entitlementsTimeout ?? 10_000,
      fallbacks: this.fallbacks,
      maxAgeMs: realtime ? undefined : CACHE_MAX_AGE_WITHOUT_STREAM_MS,
      cacheListeners: this.cacheListeners,
      emitCacheEvent: (name, payload) => this.emit(name, payload),
      logger: this.logger,
    });
    this.timeout = configuration.timeout ?? 60_000;
    this.reporting = createReporting({
      request: (request) => this.request(request),
      store: this.store,
      timeout: this.timeout,
      maxBufferedReports: configuration.maxBufferedReports ?? 10_000,
      logger: this.logger,
    });
    this.initialization = this.start(baseUri, apiKey, realtime);
    // Callers that never await initialization must not see an unhandled rejection.
    this.initialization.catch(() => undefined);
  }

  private start(baseUri: string, apiKey: string, realtime: boolean): Promise<Tollgate> {
    const settle = (outcome: Promise<unknown>) =>
      outcome.then(
        () => (this.emit('initializeSuccessfully'), this),
        (error: Error) => {
          this.emit('initializeFailed', error);
          throw error;
        },
      );
    if (this.offline) return settle(Promise.resolve());
    if (!realtime) return settle(this.request({ method: 'GET', path: '/v1/catalog', timeoutMs: this.timeout }));
    return settle(
      new Promise<void>((resolve, reject) => {
        startRealtimeStream({
          baseUri,
          apiKey,
          backoff: STREAM_BACKOFF,
          idleTimeoutMs: STREAM_IDLE_TIMEOUT_MS,
          lifetime: this.lifetime.signal,
          onConnected: (resumed) => {
            resolve();
            // Without a position to resume from, changes made meanwhile were not replayed: refetch what is cached.
            if (!resumed) void this.store.refreshAll();
            void this.reporting.flush();
          },
          onMessage: (event) => this.onStreamMessage(event),
          onDisconnected: (error) => {
            this.logger.warn('the realtime stream was lost; reconnecting:', error.message);
            this.emit('networkRequestFailed', { errorMessage: error.message, errorCode: error.code, method: 'GET', path: '/v1/stream', attempt: 1, willRetry: true, ...(error.status !== undefined && { status: error.status }) });
            reject(error);
          },
          onRejected: (error) => {
            this.emit('apiKeyInvalid');
            reject(error);
          },
        });
      }),
    );
  }

  private onStreamMessage(event: SseEvent) {
    let data: Record<string, unknown>;
    try {
      data = JSON.parse(event.data);
    } catch {
      return this.logger.warn('an unreadable stream message was skipped:', event.event);
    }
    if (event.event === 'entitlementsUpdated') {
      const payload = data as unknown as T.EntitlementsUpdatedPayload;
      this.store.applyEntitlementsUpdated(payload.customerId, payload.resourceId, payload.entitlements as StreamedGrant[]);
      this.emit('entitlementsUpdated', payload);
    } else if (event.event === 'usageUpdated') {
      const payload = wire.toUsageUpdatedPayload(data as unknown as wire.WireUsageUpdated);
      this.store.applyUsage(payload.customerId, payload.resourceId, payload.featureId, payload.currentUsage, payload.usagePeriodStart, payload.usagePeriodEnd);
      this.emit('usageUpdated', payload);
    } else if (event.event === 'packagePublished') {
      this.store.forgetDenials();
      this.emit('packagePublished', data as unknown as T.PackagePublishedPayload);
    } else if (event.event === 'resyncRequired') {
      void this.store.refreshAll();
    }
  }

  private emit<E extends T.TollgateEventName>(name: E, ...args: Parameters<T.TollgateEvents[E]>) {
    try {
      this.events.emit(name, ...args);
    } catch (error) {
      this.logger.error(`a listener of ${name} threw:`, error);
    }
  }

  // Every call of the API goes through here: offline mode refuses it, a successful answer lets the buffer flush.
  private async request<R>(request: HttpRequest): Promise<R> {
    if (this.offline) throw new TollgateError(`${request.method} ${request.path} is not available in offline mode`, { code: 'OFFLINE' });
    const answer = await this.send<R>(request);
    if (this.reporting.buffered > 0) void this.reporting.flush();
    return answer;
  }

  private write<R>(method: 'POST' | 'PATCH', to: string, body: unknown): Promise<R> {
    return this.request<R>({ method, path: to, body, idempotencyKey: randomUUID(), timeoutMs: this.timeout });
  }

  private read<R>(to: string, query?: HttpRequest['query']): Promise<R> {
    return this.request<R>({ method: 'GET', path: to, query, timeoutMs: this.timeout });
  }

  waitForInitialization(): Promise<Tollgate> {
    return this.initialization;
  }

  // Ends the stream and timers; reports still buffered get one last attempt to be delivered.
  async close(): Promise<void> {
    if (this.lifetime.signal.aborted) return;
    if (this.reporting.buffered > 0) await this.reporting.flush();
    this.reporting.close();
    this.lifetime.abort();
    this.events.removeAllListeners();
    this.countCacheListeners();
  }

  addListener<E extends T.TollgateEventName>(name: E, listener: T.TollgateEvents[E]): this {
    this.events.addListener(name, listener as (...args: unknown[]) => void);
    this.countCacheListeners();
    return this;
  }

  removeListener<E extends T.TollgateEventName>(name: E, listener: T.TollgateEvents[E]): this {
    this.events.removeListener(name, listener as (...args: unknown[]) => void);
    this.countCacheListeners();
    return this;
  }

  private countCacheListeners() {
    this.cacheListeners.hit = this.events.listenerCount('cacheHit') > 0;
    this.cacheListeners.miss = this.events.listenerCount('cacheMiss') > 0;
  }

  // ---- customers -------------------------------------------------------------------------------------------

  async provisionCustomer(request: T.ProvisionCustomerRequest): Promise<T.ProvisionCustomerResult> {
    const { subscriptionParams, ...customer } = request;
    const body = { ...customer, ...(subscriptionParams === null ? { subscriptionParams: null } : subscriptionParams && { subscriptionParams: { ...subscriptionParams, startDate: iso(subscriptionParams.startDate) } }) };
    return wire.toProvisionCustomerResult(await this.write('POST', '/v1/customers', defined(body)));
  }

  async updateCustomer({ customerId, ...changes }: T.UpdateCustomerRequest): Promise<T.Customer> {
    return wire.toCustomer(await this.write('PATCH', path('/v1/customers', customerId), changes));
  }

  async getCustomer(customerId: string): Promise<T.Customer> {
    return wire.toCustomer(await this.read(path('/v1/customers', customerId)));
  }

  // Ends its subscriptions, removes its personal data and hides it; archiving again answers the same.
  async archiveCustomer(customerId: string): Promise<string> {
    const archived = await this.write<{ customerId: string }>('POST', path('/v1/customers', customerId, '/archive'), undefined);
    this.store.forgetCustomer(customerId);
    return archived.customerId;
  }

  // ---- subscriptions ---------------------------------------------------------------------------------------

  async provisionSubscription(request: T.ProvisionSubscriptionRequest): Promise<T.ProvisionSubscriptionResult> {
    const result = wire.toProvisionSubscriptionResult(await this.write('POST', '/v1/subscriptions', defined({ ...request, startDate: iso(request.startDate) })));
    await this.reloadIfCached(request.customerId, request.resourceId);
    return result;
  }

  async updateSubscription({ subscriptionId, ...changes }: T.UpdateSubscriptionRequest): Promise<T.Subscription> {
    const subscription = wire.toSubscription(await this.write('PATCH', path('/v1/subscriptions', subscriptionId), changes));
    await this.reloadIfCached(subscription.customerId, subscription.resourceId ?? undefined);
    return subscription;
  }

  async cancelSubscription({ subscriptionId, ...options }: T.CancelSubscriptionRequest): Promise<T.Subscription> {
    const subscription = wire.toSubscription(await this.write('POST', path('/v1/subscriptions', subscriptionId, '/cancel'), defined({ ...options, endDate: iso(options.endDate) })));
    await this.reloadIfCached(subscription.customerId, subscription.resourceId ?? undefined);
    return subscription;
  }

  // Estimates change nothing: no idempotency key needed, any retry is harmless.
  async estimateSubscription(request: E.EstimateSubscriptionRequest): Promise<E.SubscriptionEstimate> {
    return E.toSubscriptionEstimate(await this.request({ method: 'POST', path: '/v1/subscriptions/estimate', body: defined({ ...request, startDate: iso(request.startDate) }), timeoutMs: this.timeout }));
  }

  async estimateSubscriptionUpdate({ subscriptionId, ...changes }: E.EstimateSubscriptionUpdateRequest): Promise<E.SubscriptionEstimate> {
    return E.toSubscriptionEstimate(await this.request({ method: 'POST', path: path('/v1/subscriptions', subscriptionId, '/estimate'), body: changes, timeoutMs: this.timeout }));
  }

  // Moves it to its plan's and add-ons' latest versions, now (prorated) or at the period end.
  async migrateSubscriptionToLatest({ subscriptionId, ...options }: T.MigrateSubscriptionToLatestRequest): Promise<T.MigrateSubscriptionToLatestResult> {
    const answer = (await this.write('POST', path('/v1/subscriptions', subscriptionId, '/migrate'), defined(options))) as { migration: T.MigrateSubscriptionToLatestResult['migration']; subscription: Parameters<typeof wire.toSubscription>[0] };
    const subscription = wire.toSubscription(answer.subscription);
    if (answer.migration === 'MIGRATED') await this.reloadIfCached(subscription.customerId, subscription.resourceId ?? undefined);
    return { migration: answer.migration, subscription };
  }

  async getSubscription({ subscriptionId }: { subscriptionId: string }): Promise<T.Subscription> {
    return wire.toSubscription(await this.read(path('/v1/subscriptions', subscriptionId)));
  }

  async getActiveSubscriptionsList({ customerId, resourceId }: { customerId: string; resourceId?: string }): Promise<T.SlimSubscription[]> {
    const list = await this.read<Parameters<typeof wire.toSlimSubscription>[0][]>(path('/v1/customers', customerId, '/subscriptions'), { resourceId });
    return list.map(wire.toSlimSubscription);
  }

  // The caller's own change is seen by its next check at once, before the stream brings it.
  private async reloadIfCached(customerId: string, resourceId: string | undefined) {
    for (const resource of new Set([undefined, resourceId])) {
      if (this.store.has(customerId, resource)) await this.store.reload(customerId, resource).catch(() => undefined);
    }
  }

  // ---- catalog ---------------------------------------------------------------------------------------------

  // The product's published plans with prices for the billing country; with a customer, their plan and the upgrades.
  async getPaywall({ productId, customerId, resourceId, billingCountryCode }: GetPaywallRequest): Promise<Paywall> {
    return this.read<Paywall>('/v1/paywall', { productId, customerId, resourceId, billingCountryCode });
  }

  // ---- entitlements ----------------------------------------------------------------------------------------

  getBooleanEntitlement(request: T.GetEntitlementRequest<T.BooleanEntitlementFallback>): Promise<T.BooleanEntitlement> {
    return this.check('BOOLEAN', request) as Promise<T.BooleanEntitlement>;
  }

  getNumericEntitlement(request: T.GetEntitlementRequest<T.NumericEntitlementFallback>): Promise<T.NumericEntitlement> {
    return this.check('NUMERIC', request) as Promise<T.NumericEntitlement>;
  }

  getMeteredEntitlement(request: T.GetEntitlementRequest<T.MeteredEntitlementFallback>): Promise<T.MeteredEntitlement> {
    return this.check('METERED', request) as Promise<T.MeteredEntitlement>;
  }

  private check(type: T.EntitlementType, request: T.GetEntitlementRequest<T.EntitlementFallback>): Promise<T.Entitlement> {
    if (!this.offline) return this.store.check(type, request);
    const requestedUsage = request.options?.requestedUsage ?? 0;
    return Promise.resolve(fallbackEntitlement(type, requestedUsage, request.options?.fallback, this.fallbacks[request.featureId]));
  }

  async getEntitlements(customerId: string, resourceId?: string): Promise<T.Entitlement[]> {
    return this.offline ? [] : this.store.list(customerId, resourceId);
  }

  async reloadEntitlements(customerId: string, resourceId?: string): Promise<void> {
    if (!this.offline) await this.store.reload(customerId, resourceId);
  }

  // ---- usage and events ------------------------------------------------------------------------------------

  async reportUsage(request: T.ReportUsageRequest): Promise<T.ReportUsageResult> {
    if (!this.offline) return this.reporting.reportUsage(request);
    const { customerId, featureId, resourceId } = request;
    return { measurementId: request.idempotencyKey ?? '', customerId, featureId, ...(resourceId !== undefined && { resourceId }), isBuffered: false };
  }

  async reportEvent(events: T.ReportEventRequest | T.ReportEventRequest[]): Promise<void> {
    if (!this.offline) await this.reporting.reportEvent(events);
  }

  // Reports waiting for the service (while it is unreachable).
  get bufferedReports(): number {
    return this.reporting.buffered;
  }
}
