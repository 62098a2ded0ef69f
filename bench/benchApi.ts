import type { Client } from '@temporalio/client';

export type BenchApi = (method: string, path: string, body?: unknown) => Promise<unknown>;

// The service's HTTP API as the bench calls it: any answer from 300 up stops the run, with the body to read, except
// STILL_PROCESSING (a workflow slower than the request's wait on a busy machine), which asks for the same request again.
export function benchApi(baseUrl: string, apiKey: string): BenchApi {
  return async (method, path, body) => {
    const deadline = Date.now() + 120_000;
    for (;;) {
      const response = await fetch(`${baseUrl}${path}`, { method, headers: { 'content-type': 'application/json', 'x-api-key': apiKey }, body: body === undefined ? undefined : JSON.stringify(body) });
      const text = await response.text();
      if (response.status === 503 && text.includes('"STILL_PROCESSING"') && Date.now() < deadline) continue;
      if (response.status >= 300) throw new Error(`${method} ${path} answered ${response.status}: ${text}`);
      return text ? JSON.parse(text) : undefined;
    }
  };
}

// No initial subscription: the customer provision measured stays the bare one (find, insert), as in earlier runs.
export const customerBody = (customerId: string) => ({ customerId, name: 'Bench', email: 'bench@example.com', subscriptionParams: null });

export const freePlanBody = (customerId: string) => ({ customerId, planId: 'plan-free' });

// A customer without a payment method: the answer is PAYMENT_REQUIRED with the sandbox's hosted checkout URL.
export const paidPlanBody = (customerId: string) => ({
  customerId,
  planId: 'plan-basic',
  billingPeriod: 'MONTHLY',
  checkoutOptions: { successUrl: 'https://example.com/welcome', cancelUrl: 'https://example.com/pricing' },
});

type ProvisionAnswer = { provisionStatus: string; subscription?: { id: string }; checkoutUrl?: string };

// Provisions and checks the answer is the one measured (a figure for the wrong outcome would mislead).
export async function provisionSubscription(api: BenchApi, body: ReturnType<typeof freePlanBody | typeof paidPlanBody>, expected: 'SUCCESS' | 'PAYMENT_REQUIRED'): Promise<string> {
  const answer = (await api('POST', '/v1/subscriptions', body)) as ProvisionAnswer;
  if (answer.provisionStatus !== expected || !answer.subscription || (expected === 'PAYMENT_REQUIRED' && !answer.checkoutUrl)) {
    throw new Error(`POST /v1/subscriptions for ${body.customerId} answered ${JSON.stringify(answer)}, not ${expected}`);
  }
  return answer.subscription.id;
}

// `npm start` starts the catalog sync (products and prices created at the provider) in the background: a paid
// provision waits for its prices, and the sync's own work would weigh on the figures. Both end once it has finished.
export async function waitForCatalogSync(client: Client, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const statuses: string[] = [];
    for await (const execution of client.workflow.list({ query: 'WorkflowType = "syncCatalogWorkflow"' })) statuses.push(execution.status.name);
    if (statuses.length > 0 && statuses.every((status) => status !== 'RUNNING')) {
      if (statuses.some((status) => status !== 'COMPLETED')) throw new Error(`the catalog sync ended ${statuses.join(', ')}`);
      return;
    }
    await new Promise((done) => setTimeout(done, 200));
  }
  throw new Error(`the catalog sync was still running after ${timeoutMs / 1000} s`);
}

// Explicitly, as the issue asks: a paid provision must answer PAYMENT_REQUIRED (its prices are at the provider)
// before any is timed. Each attempt takes a new customer: an earlier one may still get its checkout and hold the product.
export async function untilPaidProvisionAnswers(api: BenchApi, customerPrefix: string, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (let attempt = 0; ; attempt++) {
    try {
      await api('POST', '/v1/customers', customerBody(`${customerPrefix}-${attempt}`));
      await provisionSubscription(api, paidPlanBody(`${customerPrefix}-${attempt}`), 'PAYMENT_REQUIRED');
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((done) => setTimeout(done, 500));
    }
  }
}
