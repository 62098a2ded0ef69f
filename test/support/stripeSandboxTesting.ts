import { afterAll, beforeAll, beforeEach, expect } from 'vitest';
import Stripe from 'stripe';
import { startStripeSandbox, type StripeSandbox, type StripeSandboxOptions } from '../../src/sandbox/server';

// Fixed clock so `created` is deterministic: 2023-11-14T22:13:20Z.
export const NOW_MS = 1_700_000_000_000;
export const NOW = NOW_MS / 1000;

/** Runs `call` and returns the Stripe error it rejects with (fails the test if it resolves). */
export async function stripeError(call: () => Promise<unknown>): Promise<Stripe.errors.StripeError> {
  try {
    await call();
  } catch (error) {
    expect(error).toBeInstanceOf(Stripe.errors.StripeError);
    return error as Stripe.errors.StripeError;
  }
  throw new Error('expected the Stripe call to fail');
}

// One sandbox per test file, reset before each test (clock back at NOW_MS), reached through the real SDK.
export function useStripeSandbox(options: Omit<StripeSandboxOptions, 'now'> = {}): {
  readonly sandbox: StripeSandbox;
  readonly stripe: Stripe;
  /** The sandbox's clock in milliseconds; tests move it forward. */
  clock: { now: number };
} {
  const context = { clock: { now: NOW_MS } } as { sandbox: StripeSandbox; stripe: Stripe; clock: { now: number } };
  beforeAll(async () => {
    context.sandbox = await startStripeSandbox({ ...options, now: () => context.clock.now });
    context.stripe = context.sandbox.client();
  });
  afterAll(async () => context.sandbox?.close());
  beforeEach(() => {
    context.clock.now = NOW_MS;
    context.sandbox.reset();
  });
  return context;
}

/** A customer paying with `card` (its invoice default) and a monthly price of `unitAmount` in EUR. */
export async function payingCustomer(stripe: Stripe, card = 'pm_card_visa'): Promise<Stripe.Customer> {
  return stripe.customers.create({ name: 'Ada', email: 'ada@example.com', payment_method: card, invoice_settings: { default_payment_method: card } });
}

export async function monthlyPrice(stripe: Stripe, unitAmount: number, name = 'Pro'): Promise<Stripe.Price> {
  const product = await stripe.products.create({ name });
  return stripe.prices.create({ product: product.id, currency: 'eur', unit_amount: unitAmount, recurring: { interval: 'month' } });
}
