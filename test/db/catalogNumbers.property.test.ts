import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkCatalogDocument } from '../../src/domain/catalog/parseCatalogDocument';
import { applyCatalog } from '../../src/services/applyCatalog';
import { readCatalogDocument } from '../../src/services/readCatalog';
import { exampleCatalogInput } from '../support/exampleCatalog';
import { createTestDatabase, type TestDatabase } from '../support/testDatabase';
import { createTestEnvironment } from '../support/testEnvironment';

let database: TestDatabase;
beforeAll(async () => void (database = await createTestDatabase()));
afterAll(async () => database.drop());

type Input = ReturnType<typeof exampleCatalogInput> & { coupons: Record<string, unknown>[] };
// Every number of the catalog, each reached in the example document (coupons get one of each kind first).
const numericFields: Record<string, (catalog: Input, value: number) => void> = {
  'addons[0].maxQuantity': (c, v) => (c.addons[0]!.maxQuantity = v),
  'plans[2].trial.duration': (c, v) => (c.plans[2]!.trial!.duration = v),
  'plans[1].prices[0].amount': (c, v) => (c.plans[1]!.prices![0]!.amount = v),
  'plans[1].prices[0].countryPrices[0].amount': (c, v) => (c.plans[1]!.prices![0]!.countryPrices![0]!.amount = v),
  'plans[2].prices[3].tiers[0].upTo': (c, v) => (c.plans[2]!.prices![3]!.tiers![0]!.upTo = v),
  'plans[2].prices[3].tiers[0].unitAmount': (c, v) => (c.plans[2]!.prices![3]!.tiers![0]!.unitAmount = v),
  'plans[2].prices[3].tiers[1].flatAmount': (c, v) => (c.plans[2]!.prices![3]!.tiers![1]!.flatAmount = v),
  'plans[0].entitlements[1].value': (c, v) => (c.plans[0]!.entitlements![1]!.value = v),
  'plans[0].entitlements[0].usageLimit': (c, v) => (c.plans[0]!.entitlements![0]!.usageLimit = v),
  'coupons[0].percentOff': (c, v) => (c.coupons[0]!.percentOff = v),
  'coupons[1].amountsOff[0].amount': (c, v) => ((c.coupons[1]!.amountsOff as { amount: number }[])[0]!.amount = v),
  'coupons[1].durationInMonths': (c, v) => (c.coupons[1]!.durationInMonths = v),
};

function catalogWith(field: string, value: number): Input {
  const catalog = exampleCatalogInput() as Input;
  catalog.coupons = [
    { id: 'coupon-percent', displayName: 'Percent', discountType: 'PERCENTAGE', percentOff: 20, durationType: 'ONCE' },
    { id: 'coupon-fixed', displayName: 'Fixed', discountType: 'FIXED', amountsOff: [{ currency: 'usd', amount: 500 }], durationType: 'REPEATING', durationInMonths: 3 },
  ];
  numericFields[field]!(catalog, value);
  return catalog;
}

const edgeNumbers = fc.oneof(
  fc.constantFrom(0, -0, 1, -1, 0.001, 0.29, 12.345, 99.99, 100.01, 2 ** 31 - 1, 2 ** 31, 3e9, 2 ** 53 - 1, 2 ** 53, 1e12, 1e308, 5e-324, 730, 731, 24, 120, 121),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.double({ min: 0, max: 100, noNaN: true }),
);

describe('catalog numbers against their Postgres columns', () => {
  it('every number is refused naming its path, or stored exactly (a second apply changes nothing)', async () => {
    const { environmentId } = await createTestEnvironment(database.db);
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...Object.keys(numericFields)), edgeNumbers, async (field, value) => {
        const checked = checkCatalogDocument(catalogWith(field, value));
        if (!checked.ok) {
          expect(checked.issues.map((issue) => issue.path)).toContain(field);
          return;
        }
        // Accepted: Postgres stores it without an error and without rounding, so the same document is a no-op after.
        expect(await applyCatalog(database.db, environmentId, checked.catalog)).toMatchObject({ ok: true });
        expect(await applyCatalog(database.db, environmentId, checked.catalog)).toEqual({ ok: true, changed: false, changes: [] });
        const document = await readCatalogDocument(database.db, environmentId);
        const again = checkCatalogDocument(JSON.parse(JSON.stringify(document)));
        expect(again.ok && (await applyCatalog(database.db, environmentId, again.catalog))).toEqual({ ok: true, changed: false, changes: [] });
      }),
      { numRuns: Number(process.env.FUZZ_RUNS ?? 150) },
    );
  });
});
