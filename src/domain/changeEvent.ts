import type { Customer } from './customers/customer';
import type { EntitlementGrant } from './entitlements/effectiveEntitlements';
import type { OutboxPosition } from './outboxPosition';
import type { Subscription } from './subscriptions/subscription';

export type PublishedPackage = { packageId: string; packageType: 'PLAN' | 'ADDON'; productId: string; version: number };

// What a committed change tells the realtime stream. Payloads carry only what Tollgate stores: billingInfo is
// passed through to the billing provider and never stored, so it cannot reach an event.
export type ChangeEvent =
  | { type: 'customer.created' | 'customer.updated'; customerId: string; resourceId: null; payload: { customer: Customer } }
  // No customer view: an archived customer's personal data is gone, and it is no longer read anywhere.
  | { type: 'customer.archived'; customerId: string; resourceId: null; payload: { customerId: string; archivedAt: string } }
  | { type: 'package.published'; customerId: null; resourceId: null; payload: PublishedPackage }
  | { type: SubscriptionEventType; customerId: string; resourceId: string | null; payload: { subscription: Subscription } }
  // The whole new set of a (customer, resource)'s effective entitlements, so a cache can replace what it holds.
  | { type: 'entitlements.updated'; customerId: string; resourceId: string | null; payload: { entitlements: EntitlementGrant[] } }
  | { type: 'usage.updated'; customerId: string; resourceId: string | null; payload: UsageChange }
  // Any applied catalog change: caches of features and meters drop the environment's entries.
  | { type: 'catalog.changed'; customerId: null; resourceId: null; payload: { changes: number } }
  // Tells every API process to forget a cached key at once (keys belong to one environment).
  | { type: 'apiKey.revoked'; customerId: null; resourceId: null; payload: { apiKeyId: string } };

// A usage counter's value after a report; the period is null for a meter that never resets.
export type UsageChange = { featureId: string; currentUsage: number; usagePeriodStart: string | null; usagePeriodEnd: string | null };

export type SubscriptionEventType = 'subscription.created' | 'subscription.updated' | 'subscription.ended';

export type ChangeEventType = ChangeEvent['type'];

// An event as the outbox stored it: its position orders the stream (see outboxPosition.ts).
export type StoredChangeEvent = ChangeEvent & { environmentId: string; position: OutboxPosition; createdAt: string };

export function customerChanged(type: 'customer.created' | 'customer.updated', customer: Customer): ChangeEvent {
  return { type, customerId: customer.customerId, resourceId: null, payload: { customer } };
}

export function subscriptionChanged(type: SubscriptionEventType, subscription: Subscription): ChangeEvent {
  return { type, customerId: subscription.customerId, resourceId: subscription.resourceId, payload: { subscription } };
}
