import { describe, expect, it } from 'vitest';
import { createFeedCurrency } from '../../src/infra/feedCurrency';

describe("the change feed's currency", () => {
  it('vouches for the start of the latest read whose snapshot bound the horizon has passed', () => {
    const currency = createFeedCurrency();
    expect(currency.isCurrent(1_000, 900)).toBe(false);
    currency.readStarted(1_000, 10n);
    currency.drainedTo(10n);
    expect(currency.isCurrent(1_500, 900)).toBe(true);
    // A transaction below 20 is still open: reads at 2,000 and 2,500 cannot vouch for anything yet.
    currency.readStarted(2_000, 20n);
    currency.drainedTo(15n);
    currency.readStarted(2_500, 25n);
    currency.drainedTo(15n);
    expect(currency.isCurrent(2_000, 900)).toBe(false);
    currency.drainedTo(22n);
    expect([currency.isCurrent(2_900, 900), currency.isCurrent(2_901, 900)]).toEqual([true, false]);
    currency.drainedTo(25n);
    expect(currency.isCurrent(3_400, 900)).toBe(true);
  });

  it('knows nothing after the connection is lost', () => {
    const currency = createFeedCurrency();
    currency.readStarted(1_000, 10n);
    currency.drainedTo(10n);
    currency.forget();
    expect(currency.isCurrent(1_000, 900)).toBe(false);
    currency.drainedTo(10n);
    expect(currency.isCurrent(1_000, 900)).toBe(false);
  });
});
