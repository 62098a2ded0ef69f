import type { BillingPriceInput } from '../billing/billingProvider';
import {
  listPricesToArchive,
  listPricesToCreate,
  listProductsToSync,
  markPriceArchived,
  savePriceBillingId,
  saveProductBillingState,
  type ProductSyncItem,
} from '../db/repositories/catalogBillingSync.repository';
import type { ActivityDependencies } from './activityDependencies';
import { callBilling } from './billingFailure';

export type PriceToCreate = Omit<BillingPriceInput, 'idempotencyKey'> & { priceId: number };
export type CatalogSyncWork = {
  products: ProductSyncItem[];
  pricesToCreate: PriceToCreate[];
  pricesToArchive: { priceId: number; billingId: string }[];
};

export function createCatalogActivities({ db, billing }: ActivityDependencies) {
  return {
    async listCatalogSyncWork({ environmentId }: { environmentId: string }): Promise<CatalogSyncWork> {
      const [products, prices, stale] = await Promise.all([
        listProductsToSync(db, environmentId),
        listPricesToCreate(db, environmentId),
        listPricesToArchive(db, environmentId),
      ]);
      return {
        products,
        pricesToCreate: prices.map((p) => ({
          priceId: p.id,
          environmentId,
          productBillingId: p.product_billing_id!,
          packageId: p.package_id,
          version: p.version,
          billingPeriod: p.billing_period,
          billingModel: p.billing_model,
          featureId: p.feature_id,
          countryCode: p.country_code,
          currency: p.currency,
          amount: p.amount,
          tiersMode: p.tiers_mode,
          tiers: p.tiers,
        })),
        pricesToArchive: stale.map((p) => ({ priceId: p.id, billingId: p.billing_id! })),
      };
    },

    async syncBillingProduct(input: { environmentId: string; product: ProductSyncItem; idempotencyKey: string }): Promise<string> {
      const { product } = input;
      const { billingId } = await callBilling(() =>
        billing.upsertProduct({ ...product, environmentId: input.environmentId, idempotencyKey: input.idempotencyKey }),
      );
      await saveProductBillingState(db, input.environmentId, product.packageId, billingId, product.state);
      return billingId;
    },

    async createBillingPrice(input: { price: PriceToCreate; idempotencyKey: string }): Promise<string> {
      const { priceId, ...price } = input.price;
      const { billingId } = await callBilling(() => billing.createPrice({ ...price, idempotencyKey: input.idempotencyKey }));
      await savePriceBillingId(db, priceId, billingId);
      return billingId;
    },

    async archiveBillingPrice(input: { priceId: number; billingId: string; idempotencyKey: string }): Promise<void> {
      await callBilling(() => billing.archivePrice({ billingId: input.billingId, idempotencyKey: input.idempotencyKey }));
      await markPriceArchived(db, input.priceId);
    },
  };
}
