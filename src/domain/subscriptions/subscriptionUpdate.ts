import { z } from 'zod';
import { canonicalJson } from '../canonicalJson';
import { metadataSchema, subscriptionParamsSchema, type SubscriptionParams } from '../customers/customerInput';

// updateSubscription's body: the seed's fields. Start date, plan and billing cycle stay (a billingPeriod change starts a
// new cycle); `cancellationDate: null` undoes a scheduled cancellation. Absent fields keep their value.
export const updateSubscriptionSchema = subscriptionParamsSchema
  .pick({ unitQuantity: true, billableFeatures: true, addons: true, billingPeriod: true, billingInformation: true })
  .extend({
    promotionCode: subscriptionParamsSchema.shape.promotionCode.unwrap().nullable().optional(),
    metadata: metadataSchema.optional(),
    cancellationDate: z.null({ error: 'only null is accepted: it undoes a scheduled cancellation' }).optional(),
    // The second a billed change counts as made (default: now), e.g. an estimate's prorationDate: it is then charged
    // exactly what was estimated. Within the current billing period, not in the future.
    prorationDate: z.iso.datetime({ offset: true, error: 'must be an ISO-8601 date-time' }).optional(),
  })
  .strict();
export type SubscriptionUpdate = z.infer<typeof updateSubscriptionSchema>;

// The parts of a subscription an update may change, as stored.
export type UpdatableFields = {
  planId: string;
  resourceId: string | null;
  billingCountryCode: string | null;
  billingPeriod: 'MONTHLY' | 'ANNUALLY' | null;
  billableFeatures: { featureId: string; quantity: number }[];
  addons: { addonId: string; quantity: number }[];
  promotionCode: string | null;
  metadata: Record<string, string>;
};

// The whole subscription as it would be after the update, in the shape provisioning checks against the catalog.
export function paramsAfterUpdate(current: UpdatableFields, update: SubscriptionUpdate): SubscriptionParams {
  const billableFeatures = update.billableFeatures ?? (update.unitQuantity !== undefined ? undefined : current.billableFeatures);
  return {
    planId: current.planId,
    ...(current.resourceId !== null && { resourceId: current.resourceId }),
    ...((update.billingPeriod ?? current.billingPeriod) && { billingPeriod: update.billingPeriod ?? current.billingPeriod! }),
    ...(update.unitQuantity !== undefined && { unitQuantity: update.unitQuantity }),
    ...(billableFeatures && { billableFeatures }),
    addons: update.addons ?? current.addons.map(({ addonId, quantity }) => ({ addonId, quantity })),
    ...(current.billingCountryCode && { billingCountryCode: current.billingCountryCode }),
  };
}

export type FieldChange = { from: unknown; to: unknown };

// What an update changes, field by field; empty means a no-op (nothing to record, nothing to charge). Lists compare
// as sets (order is not a change).
export function changedFields(before: UpdatableFields, after: UpdatableFields): Record<string, FieldChange> {
  const changes: Record<string, FieldChange> = {};
  const sorted = <T extends Record<string, unknown>>(list: T[], key: keyof T) => [...list].sort((a, b) => String(a[key]).localeCompare(String(b[key])));
  const compare = (field: keyof UpdatableFields, from: unknown, to: unknown) => {
    if (canonicalJson(from) !== canonicalJson(to)) changes[field] = { from, to };
  };
  compare('billingPeriod', before.billingPeriod, after.billingPeriod);
  compare('billableFeatures', sorted(before.billableFeatures, 'featureId'), sorted(after.billableFeatures, 'featureId'));
  compare('addons', sorted(before.addons.map(({ addonId, quantity }) => ({ addonId, quantity })), 'addonId'), sorted(after.addons.map(({ addonId, quantity }) => ({ addonId, quantity })), 'addonId'));
  compare('promotionCode', before.promotionCode, after.promotionCode);
  compare('metadata', before.metadata, after.metadata);
  return changes;
}

// Whether the provider must hear of the change (what is billed), as opposed to Tollgate's own fields.
export const changesBilling = (changes: Record<string, FieldChange>) => ['billingPeriod', 'billableFeatures', 'addons', 'promotionCode'].some((field) => field in changes);
