import { backoffDelay, sleep, type BackoffPolicy } from './backoff.js';
import { TollgateError } from './errors.js';
import type { NetworkRequestFailedPayload } from './types.js';

export type HttpRequest = {
  method: 'GET' | 'POST' | 'PATCH';
  path: string;
  query?: Record<string, string | number | undefined>;
  body?: unknown;
  // Sent as the Idempotency-Key header: the service answers a retried write with its first answer.
  idempotencyKey?: string;
  // Each attempt's limit; with `budgetMs` also the limit of all attempts together.
  timeoutMs: number;
  budgetMs?: number;
};

export type HttpClientSettings = {
  baseUri: string;
  apiKey: string;
  maxRetries: number;
  backoff: BackoffPolicy;
  onNetworkFailure: (payload: NetworkRequestFailedPayload) => void;
  onApiKeyInvalid: () => void;
  // Aborted by close(): requests in flight end at once.
  lifetime: AbortSignal;
};

type Failure = { error: TollgateError; retryable: boolean };

// The one way the SDK calls the API: JSON in and out, the API key, a timeout per attempt, and retries with
// exponential backoff and jitter on network errors and 5xx answers (every write carries an idempotency key, so a
// retry never applies it twice).
export function createHttpClient(settings: HttpClientSettings) {
  const base = settings.baseUri.replace(/\/+$/, '');

  async function attempt(request: HttpRequest, timeoutMs: number): Promise<{ ok: true; body: unknown } | ({ ok: false } & Failure)> {
    const url = new URL(base + request.path);
    for (const [name, value] of Object.entries(request.query ?? {})) if (value !== undefined) url.searchParams.set(name, String(value));
    const headers: Record<string, string> = { 'X-API-KEY': settings.apiKey, Accept: 'application/json' };
    if (request.body !== undefined) headers['Content-Type'] = 'application/json';
    if (request.idempotencyKey) headers['Idempotency-Key'] = request.idempotencyKey;
    let response: Response;
    try {
      response = await fetch(url, {
        method: request.method,
        headers,
        body: request.body === undefined ? undefined : JSON.stringify(request.body),
        signal: AbortSignal.any([settings.lifetime, AbortSignal.timeout(timeoutMs)]),
      });
    } catch (cause) {
      const timedOut = cause instanceof Error && cause.name === 'TimeoutError';
      const code = timedOut ? 'TIMEOUT' : ((cause as { cause?: { code?: string } })?.cause?.code ?? 'NETWORK_ERROR');
      const message = timedOut ? `no answer within ${timeoutMs} ms` : cause instanceof Error ? ((cause.cause as Error | undefined)?.message ?? cause.message) : String(cause);
      return { ok: false, retryable: !settings.lifetime.aborted, error: new TollgateError(`${request.method} ${request.path}: ${message}`, { code, unreachable: true, cause }) };
    }
    const text = await response.text().catch(() => '');
    const body = parseJson(text);
    if (response.ok) return { ok: true, body };
    const answer = (body as { error?: { code?: string; message?: string; field?: string; details?: { field: string; message: string }[] } } | undefined)?.error;
    const code = answer?.code ?? `HTTP_${response.status}`;
    const error = new TollgateError(answer?.message ?? `${request.method} ${request.path} answered ${response.status}`, {
      code,
      status: response.status,
      field: answer?.field,
      details: answer?.details,
      unreachable: response.status >= 500,
    });
    if (response.status === 401) settings.onApiKeyInvalid();
    // A retry arriving while the first attempt still runs is told so; it is worth another try after a pause.
    return { ok: false, error, retryable: response.status >= 500 || code === 'REQUEST_IN_PROGRESS' };
  }

  return async function send<T>(request: HttpRequest): Promise<T> {
    const started = Date.now();
    for (let attemptNumber = 0; ; attemptNumber++) {
      const remaining = request.budgetMs === undefined ? request.timeoutMs : Math.min(request.timeoutMs, request.budgetMs - (Date.now() - started));
      const outcome = await attempt(request, Math.max(1, remaining));
      if (outcome.ok) return outcome.body as T;
      if (!outcome.retryable) throw outcome.error;
      const delay = backoffDelay(settings.backoff, attemptNumber);
      const withinBudget = request.budgetMs === undefined || Date.now() - started + delay < request.budgetMs;
      const willRetry = attemptNumber < settings.maxRetries && withinBudget && !settings.lifetime.aborted;
      settings.onNetworkFailure({
        errorMessage: outcome.error.message,
        errorCode: outcome.error.code,
        method: request.method,
        path: request.path,
        attempt: attemptNumber + 1,
        willRetry,
        ...(outcome.error.status !== undefined && { status: outcome.error.status }),
      });
      if (!willRetry) throw outcome.error;
      await sleep(delay);
    }
  };
}

export type HttpSend = ReturnType<typeof createHttpClient>;

function parseJson(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
