import { afterAll, beforeAll, beforeEach, expect } from 'vitest';
import Stripe from 'stripe';
import { startStripeSandbox, type StripeSandbox } from '../../src/sandbox/server';

// Fixed clock so `created` is deterministic: 2023-11-14T22:13:20Z.
export const NOW_MS = 1_700_000_000_000;

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

// One sandbox per test file, reset before each test, reached through the real SDK.
export function useStripeSandbox(): { readonly sandbox: StripeSandbox; readonly stripe: Stripe } {
  const context = {} as { sandbox: StripeSandbox; stripe: Stripe };
  beforeAll(async () => {
    context.sandbox = await startStripeSandbox({ now: () => NOW_MS });
    context.stripe = context.sandbox.client();
  });
  afterAll(async () => context.sandbox?.close());
  beforeEach(() => context.sandbox.reset());
  return context;
}
