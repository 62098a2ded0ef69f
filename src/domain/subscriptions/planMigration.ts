import { z } from 'zod';

// migrateSubscriptionToLatest's body. IMMEDIATE (the default) migrates now, prorated through the provider;
// END_OF_BILLING_PERIOD migrates when the current period (or trial) ends.
export const MIGRATION_TIMES = ['IMMEDIATE', 'END_OF_BILLING_PERIOD'] as const;
export type MigrationTime = (typeof MIGRATION_TIMES)[number];
export const migrateSubscriptionSchema = z.strictObject({
  subscriptionMigrationTime: z.enum(MIGRATION_TIMES).default('IMMEDIATE'),
});
export type MigrateSubscriptionInput = z.infer<typeof migrateSubscriptionSchema>;

// What a migration answered: moved now, scheduled for the period end, or nothing to do (already on the latest).
export const MIGRATION_RESULTS = ['MIGRATED', 'SCHEDULED', 'ALREADY_LATEST'] as const;
export type MigrationResult = (typeof MIGRATION_RESULTS)[number];

export type PackageVersions = { planVersion: number; addons: { addonId: string; quantity: number; version: number }[] };

// The versions a subscription moves to: its plan's latest published version and each add-on's; an add-on with no
// published version any more (archived) stays on its own. null: it is on the latest of everything already.
export function migrationTarget(current: PackageVersions, latest: { planVersion: number; addonVersions: ReadonlyMap<string, number> }): PackageVersions | null {
  const addons = current.addons.map((addon) => ({ ...addon, version: latest.addonVersions.get(addon.addonId) ?? addon.version }));
  const moved = latest.planVersion !== current.planVersion || addons.some((addon, i) => addon.version !== current.addons[i]!.version);
  return moved ? { planVersion: latest.planVersion, addons } : null;
}

// When an END_OF_BILLING_PERIOD migration happens: the current period's end, or a trial's end. null: the
// subscription has no period (a free plan), so there is nothing to wait for and it migrates at once.
export function scheduledMigrationDate(state: { status: string; currentBillingPeriodEnd: string | null; trialEndDate: string | null }): string | null {
  if (state.status === 'IN_TRIAL' && state.trialEndDate) return state.trialEndDate;
  return state.currentBillingPeriodEnd;
}
