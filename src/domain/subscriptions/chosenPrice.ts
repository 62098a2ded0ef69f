import type { BillingPeriod } from '../catalog/catalogDocument';

// One price a subscription pays, as chosen when it was provisioned (its plan version, period and country),
// with the provider's price id when the catalog sync created one.
export type ChosenPrice = {
  packageId: string;
  packageKind: 'PLAN' | 'ADDON';
  version: number;
  featureId: string | null;
  billingModel: 'FLAT_FEE' | 'PER_UNIT' | 'TIERED';
  billingPeriod: BillingPeriod;
  countryCode: string | null;
  currency: string;
  amount: number | null;
  tiersMode: 'GRADUATED' | 'VOLUME' | null;
  tiers: { upTo?: number; unitAmount: number; flatAmount?: number }[] | null;
  quantity: number;
  billingId: string | null;
};

// A price row of a plan or add-on version, as the catalog stores it.
export type StoredPrice = Omit<ChosenPrice, 'quantity' | 'packageKind' | 'packageId' | 'version'>;
