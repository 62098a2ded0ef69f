// Webhook delivery like Stripe's: each event POSTed as JSON to every endpoint, signed with the endpoint's secret
// (`Stripe-Signature: t=<unix>,v1=<hex HMAC-SHA256(secret, "<t>.<payload>")>`), retried with backoff, never blocking the API.
import { createHmac } from 'node:crypto';
import type { StoredObject } from './params';

export interface WebhookEndpoint {
  url: string;
  secret: string;
}

export interface WebhookAttempt {
  /** Wall-clock milliseconds when the attempt was sent. */
  at: number;
  /** The endpoint's HTTP status, when it answered. */
  status?: number;
  /** Why no answer came (connection refused, timeout). */
  error?: string;
}

export interface WebhookDelivery {
  eventId: string;
  type: string;
  url: string;
  /** The exact body of the latest attempt, and its Stripe-Signature header (each attempt is signed afresh). */
  payload: string;
  signature: string;
  attempts: WebhookAttempt[];
  state: 'pending' | 'delivered' | 'failed';
}

export interface WebhookRetryOptions {
  /** Attempts per event and endpoint, the first included (default 4). */
  maxAttempts?: number;
  /** Wait before retry n (the last value repeats); default [500, 2000, 5000] ms. */
  retryDelaysMs?: readonly number[];
  /** How long one attempt may take (default 10 s). */
  timeoutMs?: number;
  /** How many of the latest deliveries `deliveries` keeps (default 1000); queued ones are delivered regardless. */
  keepDeliveries?: number;
}

/** Stripe's signature scheme; `stripe.webhooks.constructEvent` verifies exactly this. */
export function signatureHeader(payload: string, secret: string, timestampSeconds: number): string {
  const signature = createHmac('sha256', secret).update(`${timestampSeconds}.${payload}`, 'utf8').digest('hex');
  return `t=${timestampSeconds},v1=${signature}`;
}

interface EndpointQueue {
  endpoint: WebhookEndpoint;
  waiting: WebhookDelivery[];
  running: Promise<void> | null;
}

export class WebhookDispatcher {
  readonly deliveries: WebhookDelivery[] = [];
  private readonly queues: EndpointQueue[] = [];
  private readonly sleeping = new Map<NodeJS.Timeout, () => void>();
  private closed = false;
  private readonly maxAttempts: number;
  private readonly delays: readonly number[];
  private readonly timeoutMs: number;
  private readonly keep: number;

  constructor(endpoints: readonly WebhookEndpoint[], options: WebhookRetryOptions = {}) {
    this.maxAttempts = Math.max(1, options.maxAttempts ?? 4);
    this.delays = options.retryDelaysMs?.length ? options.retryDelaysMs : [500, 2000, 5000];
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.keep = Math.max(1, options.keepDeliveries ?? 1000);
    for (const endpoint of endpoints) this.addEndpoint(endpoint.url, endpoint.secret);
  }

  addEndpoint(url: string, secret: string): void {
    if (!/^https?:\/\//.test(url)) throw new Error(`webhook endpoint url must be http(s): ${url}`);
    if (secret === '') throw new Error('webhook endpoint secret must not be empty');
    this.queues.push({ endpoint: { url, secret }, waiting: [], running: null });
  }

  get endpointCount(): number {
    return this.queues.length;
  }

  /** Queues the event for every endpoint; returns at once. */
  enqueue(event: StoredObject): void {
    if (this.closed) return;
    // Stripe sends the event pretty-printed; the receiver must verify the raw bytes, so any formatting works.
    const payload = JSON.stringify(event, null, 2);
    for (const queue of this.queues) {
      const delivery: WebhookDelivery = {
        eventId: event.id, type: String(event.type), url: queue.endpoint.url, payload, signature: '', attempts: [], state: 'pending',
      };
      this.deliveries.push(delivery);
      // A long-running sandbox keeps only the latest deliveries for inspection; queued ones live on in their queue.
      if (this.deliveries.length > this.keep) this.deliveries.splice(0, this.deliveries.length - this.keep);
      queue.waiting.push(delivery);
      queue.running ??= this.pump(queue);
    }
  }

  /** Resolves once every queued delivery was delivered or gave up. */
  async settle(): Promise<void> {
    for (let active = this.active(); active.length > 0; active = this.active()) await Promise.all(active);
  }

  close(): void {
    this.closed = true;
    for (const [timer, wake] of this.sleeping) {
      clearTimeout(timer);
      wake();
    }
    this.sleeping.clear();
  }

  private active(): Promise<void>[] {
    return this.queues.map((q) => q.running).filter((p): p is Promise<void> => p !== null);
  }

  // One delivery at a time per endpoint, so each endpoint sees events in the order they were created.
  private async pump(queue: EndpointQueue): Promise<void> {
    for (let next = queue.waiting.shift(); next && !this.closed; next = queue.waiting.shift()) await this.deliver(queue.endpoint, next);
    queue.running = null;
  }

  private async deliver(endpoint: WebhookEndpoint, delivery: WebhookDelivery): Promise<void> {
    for (let attempt = 1; attempt <= this.maxAttempts && !this.closed; attempt += 1) {
      if (attempt > 1) await this.sleep(this.delays[Math.min(attempt - 2, this.delays.length - 1)] ?? 0);
      if (this.closed) break;
      const at = Date.now();
      // Stripe signs with the time of sending (not the sandbox's injectable clock): receivers check it against theirs.
      delivery.signature = signatureHeader(delivery.payload, endpoint.secret, Math.floor(at / 1000));
      try {
        const response = await fetch(endpoint.url, {
          method: 'POST', body: delivery.payload, signal: AbortSignal.timeout(this.timeoutMs),
          headers: { 'Content-Type': 'application/json; charset=utf-8', 'Stripe-Signature': delivery.signature, 'User-Agent': 'Stripe/1.0 (+https://stripe.com/docs/webhooks)' },
        });
        await response.arrayBuffer().catch(() => undefined);
        delivery.attempts.push({ at, status: response.status });
        if (response.ok) {
          delivery.state = 'delivered';
          return;
        }
      } catch (error) {
        // fetch() reports "fetch failed"; the useful part (ECONNREFUSED, timeout) is its cause.
        const cause = error instanceof Error && error.cause instanceof Error ? ` (${error.cause.message})` : '';
        delivery.attempts.push({ at, error: error instanceof Error ? `${error.message}${cause}` : String(error) });
      }
    }
    delivery.state = 'failed';
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.sleeping.delete(timer);
        resolve();
      }, ms);
      this.sleeping.set(timer, resolve);
    });
  }
}
