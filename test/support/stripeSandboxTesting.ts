import { afterAll, beforeAll, beforeEach, expect } from 'vitest';
import Stripe from 'stripe';
import { startFakeStripe, type FakeStripe } from './fakeStripe';

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

// One fake per test file, reset before each test, reached through the real SDK.
export function useFakeStripe(): { readonly fake: FakeStripe; readonly stripe: Stripe } {
  const context = {} as { fake: FakeStripe; stripe: Stripe };
  beforeAll(async () => {
    context.fake = await startFakeStripe({ now: () => NOW_MS });
    context.stripe = context.fake.client();
  });
  afterAll(async () => context.fake?.close());
  beforeEach(() => context.fake.reset());
  return context;
}
