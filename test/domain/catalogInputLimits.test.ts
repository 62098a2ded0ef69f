import { describe, expect, it } from 'vitest';
import { checkCatalogDocument, parseCatalogText } from '../../src/domain/catalog/parseCatalogDocument';
import { exampleCatalogInput } from '../support/exampleCatalog';

type Input = ReturnType<typeof exampleCatalogInput>;
function issuesOf(change: (input: Input) => void) {
  const input = exampleCatalogInput();
  change(input);
  const result = checkCatalogDocument(input);
  return result.ok ? [] : result.issues;
}
const percentCoupon = (percentOff: number) => ({ id: 'c', displayName: 'C', discountType: 'PERCENTAGE' as const, percentOff, durationType: 'ONCE' as const });

describe('catalog numbers fit where they are stored', () => {
  it('refuses an add-on maxQuantity beyond a Postgres integer, naming the path', () => {
    expect(issuesOf((c) => (c.addons[0]!.maxQuantity = 3_000_000_000))).toEqual([
      { path: 'addons[0].maxQuantity', message: 'Too big: expected number to be <=2147483647' },
    ]);
    expect(issuesOf((c) => (c.addons[0]!.maxQuantity = 2_147_483_647))).toEqual([]);
  });

  it('refuses counts and tier bounds JavaScript cannot hold exactly', () => {
    expect(issuesOf((c) => (c.plans[0]!.entitlements![1]!.value = 2 ** 53))[0]?.path).toBe('plans[0].entitlements[1].value');
    expect(issuesOf((c) => (c.plans[0]!.entitlements![0]!.usageLimit = 1e308))[0]?.path).toBe('plans[0].entitlements[0].usageLimit');
    expect(issuesOf((c) => (c.plans[2]!.prices![3]!.tiers![0]!.upTo = 2 ** 60))[0]?.path).toBe('plans[2].prices[3].tiers[0].upTo');
    expect(issuesOf((c) => (c.plans[2]!.prices![3]!.tiers![0]!.upTo = 1.5))[0]?.path).toBe('plans[2].prices[3].tiers[0].upTo');
    expect(issuesOf((c) => (c.plans[1]!.prices![0]!.amount = 1e12))[0]?.path).toBe('plans[1].prices[0].amount');
  });

  it('refuses a percentage with more decimals than stored, and keeps two-decimal ones exact', () => {
    const issues = issuesOf((c) => ((c as { coupons: unknown[] }).coupons = [percentCoupon(0.001)]));
    expect(issues).toEqual([{ path: 'coupons[0].percentOff', message: 'at most 2 decimals are allowed (e.g. 12.5 or 12.25)' }]);
    expect(issuesOf((c) => ((c as { coupons: unknown[] }).coupons = [percentCoupon(12.345)]))[0]?.path).toBe('coupons[0].percentOff');
    // 0.29 * 100 is 28.999999999999996 in floating point: the check must not trip on it.
    for (const fine of [0.29, 12.25, 0.01, 33.33, 100]) expect(issuesOf((c) => ((c as { coupons: unknown[] }).coupons = [percentCoupon(fine)]))).toEqual([]);
    expect(issuesOf((c) => ((c as { coupons: unknown[] }).coupons = [percentCoupon(-0)]))[0]?.path).toBe('coupons[0].percentOff');
  });

  it('refuses a trial longer than Stripe allows (730 days)', () => {
    expect(issuesOf((c) => (c.plans[2]!.trial = { duration: 25, unit: 'MONTH' }))).toEqual([
      { path: 'plans[2].trial.duration', message: 'at most 24 months (730 days, the longest trial Stripe allows)' },
    ]);
    expect(issuesOf((c) => (c.plans[2]!.trial = { duration: 24, unit: 'MONTH' }))).toEqual([]);
    expect(issuesOf((c) => (c.plans[2]!.trial = { duration: 731, unit: 'DAY' }))[0]?.path).toBe('plans[2].trial.duration');
  });

  it('refuses YAML infinities and not-a-number, naming the path', () => {
    const yaml = (value: string) => parseCatalogText(`addons:\n  - { id: a, productId: p, displayName: A, maxQuantity: ${value} }\n`);
    for (const value of ['.inf', '-.inf', '.nan', '1e400']) expect(yaml(value)).toMatchObject({ ok: false, issues: [{ path: 'addons[0].maxQuantity' }] });
  });
});

describe('catalog text from an untrusted caller', () => {
  it('names the exact path of each unknown key', () => {
    expect(issuesOf((c) => Object.assign(c.plans[1]!, { bogus: 1, other: 2 }))).toEqual([
      { path: 'plans[1].bogus', message: 'is not a known field' },
      { path: 'plans[1].other', message: 'is not a known field' },
    ]);
    expect(issuesOf((c) => Object.assign(c.plans[2]!.prices![0]!, { unit_amount: 5 }))).toEqual([{ path: 'plans[2].prices[0].unit_amount', message: 'is not a known field' }]);
    expect(issuesOf((c) => Object.assign(c, { ['k'.repeat(5000)]: 1 }))[0]!.path.length).toBeLessThan(120);
  });

  it('refuses text Postgres cannot store inside YAML, naming the path', () => {
    expect(parseCatalogText('products:\n  - { id: p, displayName: "a\\ud800" }\n')).toEqual({
      ok: false,
      issues: [{ path: 'products[0].displayName', message: 'must be valid Unicode (it contains a lone surrogate, e.g. \\ud800)' }],
    });
    expect(parseCatalogText('features: [{ id: f, displayName: "x\\0y", featureType: BOOLEAN }]')).toMatchObject({ ok: false, issues: [{ path: 'features[0].displayName' }] });
    expect(parseCatalogText('"\\udc00key": 1')).toMatchObject({ ok: false, issues: [{ path: '\udc00key', message: expect.stringMatching(/^key must be valid Unicode/) }] });
  });

  it('refuses deep nesting before the YAML parser can overflow its stack', () => {
    const deep = [
      '['.repeat(5000) + ']'.repeat(5000),
      `plans: ${'{a: '.repeat(100_000)}1${'}'.repeat(100_000)}`,
      `${'- '.repeat(100_000)}x`,
      Array.from({ length: 2000 }, (_, depth) => `${' '.repeat(depth)}k:`).join('\n'),
    ];
    for (const text of deep) expect(parseCatalogText(text)).toEqual({ ok: false, issues: [{ path: '(document)', message: 'nests deeper than 32 levels' }] });
  });

  it('reads brackets, quotes and dashes inside text as text, not as nesting', () => {
    const brackets = '[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[';
    const text = [
      'products:',
      `  - id: product-app`,
      `    displayName: Bob's "app" ${brackets}`,
      `    description: |`,
      `      ${brackets}`,
      `      - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - -`,
      `features: [{ id: f, displayName: 'it''s ${brackets}', featureType: BOOLEAN, description: "\\" ${brackets}" }] # ${brackets}`,
    ].join('\n');
    expect(parseCatalogText(text)).toMatchObject({ ok: true });
  });

  it('bounds alias use and the size of the value aliases expand to', () => {
    const manyAliases = `a: &a 1\nb: [${Array(1001).fill('*a').join(', ')}]`;
    expect(parseCatalogText(manyAliases)).toEqual({ ok: false, issues: [{ path: '(document)', message: 'uses more than 1000 aliases (*name)' }] });
    // Each level doubles the expanded size: 2^20 values from a few hundred bytes.
    const laughs = ['l0: &l0 [x, x]', ...Array.from({ length: 20 }, (_, i) => `l${i + 1}: &l${i + 1} [*l${i}, *l${i}]`)].join('\n');
    expect(parseCatalogText(laughs)).toMatchObject({ ok: false, issues: [{ path: '(document)', message: expect.stringMatching(/^holds more than 100000 values|excessive alias/i) }] });
    expect(parseCatalogText('a: &a [*a]')).toMatchObject({ ok: false, issues: [{ path: '(document)' }] });
  });

  it('bounds the work on a hostile document: an entry holds at most 10,000 values, checking stops after 1,000 issues', () => {
    const badPrice = { billingPeriod: 'WEEKLY', billingModel: 'BARTER', currency: 'zz', amount: -1 };
    const giant = issuesOf((c) => (c.plans[1]!.prices = Array(3000).fill(badPrice)));
    expect(giant).toEqual([{ path: 'plans[1]', message: 'holds more than 10000 values' }]);
    const many = issuesOf((c) => {
      for (const plan of c.plans) plan.prices = Array(400).fill(badPrice);
    });
    // The first plan alone brings 1,600 issues (400 prices, 4 faults each): the other plans are not looked at.
    expect(many).toHaveLength(1_600);
    expect(new Set(many.map((issue) => issue.path.split('.')[0]))).toEqual(new Set(['plans[0]']));
  });

  it('reports a syntax error with its line and column, in a bounded message', () => {
    const result = parseCatalogText(`products:\n  - id: p\n x: *${'n'.repeat(10_000)}`);
    expect(result).toMatchObject({ ok: false, issues: [{ path: '(document)', message: expect.stringMatching(/^not valid YAML or JSON at line \d+, column \d+: /) }] });
    expect(JSON.stringify(result).length).toBeLessThan(400);
  });
});
