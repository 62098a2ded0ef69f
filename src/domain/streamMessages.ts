import type { ChangeEvent, ChangeEventType } from './changeEvent';

// What GET /v1/stream sends for a change event; other event types are internal (customers, subscriptions, keys).
export type StreamMessage =
  | { event: 'entitlementsUpdated'; data: { customerId: string; resourceId: string | null; entitlements: unknown[] } }
  | {
      event: 'usageUpdated';
      data: { customerId: string; resourceId: string | null; featureId: string; currentUsage: number; usagePeriodStart: string | null; usagePeriodEnd: string | null };
    }
  | { event: 'packagePublished'; data: { packageId: string; packageType: 'PLAN' | 'ADDON'; productId: string; version: number } };

export const STREAMED_EVENT_TYPES = ['entitlements.updated', 'usage.updated', 'package.published'] as const satisfies readonly ChangeEventType[];

export function toStreamMessage(event: ChangeEvent): StreamMessage | undefined {
  switch (event.type) {
    case 'entitlements.updated':
      return { event: 'entitlementsUpdated', data: { customerId: event.customerId, resourceId: event.resourceId, entitlements: event.payload.entitlements } };
    case 'usage.updated':
      return {
        event: 'usageUpdated',
        data: {
          customerId: event.customerId,
          resourceId: event.resourceId,
          featureId: event.payload.featureId,
          currentUsage: event.payload.currentUsage,
          usagePeriodStart: event.payload.usagePeriodStart,
          usagePeriodEnd: event.payload.usagePeriodEnd,
        },
      };
    case 'package.published':
      return { event: 'packagePublished', data: { packageId: event.payload.packageId, packageType: event.payload.packageType, productId: event.payload.productId, version: event.payload.version } };
    default:
      return undefined;
  }
}

// A stream of one customer also gets the events of no customer (a published package concerns every customer).
export const concernsCustomer = (event: ChangeEvent, customerId: string | undefined) =>
  customerId === undefined || event.customerId === null || event.customerId === customerId;
