import type { AccessDeniedReason, Customer, Entitlement, EntitlementFeature, EntitlementResetPeriod, EntitlementType, ProvisionCustomerResult, ProvisionSubscriptionResult, ReportUsageResult, SlimSubscription, Subscription, UsageUpdatedPayload } from './types.js';

// The API's JSON answers, with dates as ISO text; the SDK hands them out with dates as Date.
export type WireEntitlement = {
  hasAccess: boolean;
  isFallback: boolean;
  accessDeniedReason?: AccessDeniedReason;
  type: EntitlementType;
  feature?: EntitlementFeature;
  value?: number;
  isUnlimited?: boolean;
  usageLimit?: number;
  hasSoftLimit?: boolean;
  currentUsage?: number;
  requestedUsage?: number;
  resetPeriod?: EntitlementResetPeriod;
  usagePeriodAnchor?: string;
  usagePeriodStart?: string;
  usagePeriodEnd?: string;
};

type Wire<T> = { [K in keyof T]: T[K] extends Date ? string : T[K] extends Date | null ? string | null : T[K] };

const date = (text: string) => new Date(text);
const optionalDate = (text: string | null | undefined) => (text == null ? null : new Date(text));
const maybeDate = (text: string | null | undefined) => (text == null ? undefined : new Date(text));

export function toCustomer(wire: Wire<Customer>): Customer {
  return { ...wire, createdAt: date(wire.createdAt), updatedAt: date(wire.updatedAt) };
}

// The lifecycle fields, as the service sends them (nested and optional dates are text too).
type LifecycleWire = {
  scheduledChanges?: { type: 'START' | 'MIGRATION' | 'CANCELLATION'; at: string }[];
  paymentFailedAt?: string | null;
  gracePeriodEnd?: string | null;
  lastInvoice?: (Omit<NonNullable<Subscription['lastInvoice']>, 'created'> & { created: string }) | null;
};

export function toSubscription(wire: Wire<Subscription>): Subscription {
  const lifecycle = wire as unknown as LifecycleWire;
  return {
    ...wire,
    startDate: date(wire.startDate),
    trialEndDate: optionalDate(wire.trialEndDate),
    currentBillingPeriodStart: optionalDate(wire.currentBillingPeriodStart),
    currentBillingPeriodEnd: optionalDate(wire.currentBillingPeriodEnd),
    cancellationDate: optionalDate(wire.cancellationDate),
    endDate: optionalDate(wire.endDate),
    checkoutExpiresAt: optionalDate(wire.checkoutExpiresAt),
    ...(lifecycle.scheduledChanges && { scheduledChanges: lifecycle.scheduledChanges.map((change) => ({ type: change.type, at: date(change.at) })) }),
    ...(lifecycle.paymentFailedAt !== undefined && { paymentFailedAt: optionalDate(lifecycle.paymentFailedAt) }),
    ...(lifecycle.gracePeriodEnd !== undefined && { gracePeriodEnd: optionalDate(lifecycle.gracePeriodEnd) }),
    ...(lifecycle.lastInvoice !== undefined && { lastInvoice: lifecycle.lastInvoice && { ...lifecycle.lastInvoice, created: date(lifecycle.lastInvoice.created) } }),
    createdAt: date(wire.createdAt),
    updatedAt: date(wire.updatedAt),
  };
}

export function toSlimSubscription(wire: Wire<SlimSubscription>): SlimSubscription {
  return {
    ...wire,
    startDate: date(wire.startDate),
    trialEndDate: optionalDate(wire.trialEndDate),
    currentBillingPeriodEnd: optionalDate(wire.currentBillingPeriodEnd),
    cancellationDate: optionalDate(wire.cancellationDate),
  };
}

export function toProvisionCustomerResult(wire: Omit<ProvisionCustomerResult, 'customer' | 'subscription'> & { customer: Wire<Customer>; subscription?: Wire<Subscription> }): ProvisionCustomerResult {
  const { subscription, customer, ...rest } = wire;
  return { ...rest, customer: toCustomer(customer), ...(subscription && { subscription: toSubscription(subscription) }) };
}

export function toProvisionSubscriptionResult(wire: Omit<ProvisionSubscriptionResult, 'subscription'> & { subscription?: Wire<Subscription> }): ProvisionSubscriptionResult {
  const { subscription, ...rest } = wire;
  return { ...rest, ...(subscription && { subscription: toSubscription(subscription) }) };
}

export function toEntitlement(wire: WireEntitlement): Entitlement {
  const { usagePeriodAnchor, usagePeriodStart, usagePeriodEnd, ...rest } = wire;
  if (wire.type === 'METERED') {
    return {
      ...rest,
      type: 'METERED',
      isUnlimited: wire.isUnlimited ?? false,
      hasSoftLimit: wire.hasSoftLimit ?? false,
      currentUsage: wire.currentUsage ?? 0,
      requestedUsage: wire.requestedUsage ?? 0,
      ...(usagePeriodAnchor && { usagePeriodAnchor: date(usagePeriodAnchor) }),
      ...(usagePeriodStart && { usagePeriodStart: date(usagePeriodStart) }),
      ...(usagePeriodEnd && { usagePeriodEnd: date(usagePeriodEnd) }),
    };
  }
  if (wire.type === 'NUMERIC') return { ...rest, type: 'NUMERIC', isUnlimited: wire.isUnlimited ?? false };
  return { ...rest, type: 'BOOLEAN' };
}

export type WireUsageAcknowledgement = { measurementId: string; customerId: string; featureId: string; resourceId?: string; currentUsage: number; usagePeriodStart?: string; usagePeriodEnd?: string };

export function toReportUsageResult(wire: WireUsageAcknowledgement): ReportUsageResult {
  return {
    measurementId: wire.measurementId,
    customerId: wire.customerId,
    featureId: wire.featureId,
    ...(wire.resourceId !== undefined && { resourceId: wire.resourceId }),
    currentUsage: wire.currentUsage,
    ...(wire.usagePeriodStart && { usagePeriodStart: date(wire.usagePeriodStart) }),
    ...(wire.usagePeriodEnd && { usagePeriodEnd: date(wire.usagePeriodEnd) }),
  };
}

export type WireUsageUpdated = { customerId: string; resourceId: string | null; featureId: string; currentUsage: number; usagePeriodStart: string | null; usagePeriodEnd: string | null };

export function toUsageUpdatedPayload(wire: WireUsageUpdated): UsageUpdatedPayload {
  const { usagePeriodStart, usagePeriodEnd, ...rest } = wire;
  return { ...rest, ...(usagePeriodStart && { usagePeriodStart: maybeDate(usagePeriodStart) }), ...(usagePeriodEnd && { usagePeriodEnd: maybeDate(usagePeriodEnd) }) };
}
