import type { Entitlement, EntitlementFallback, EntitlementType } from './types.js';

// The answer when neither the cache nor the service can give one: the call's own fallback, else the configured
// one for the feature, else no access; always marked isFallback.
export function fallbackEntitlement(type: EntitlementType, requestedUsage: number, perCall: EntitlementFallback | undefined, configured: EntitlementFallback | undefined): Entitlement {
  const fallback: { hasAccess?: boolean; value?: number; usageLimit?: number; isUnlimited?: boolean } = perCall ?? configured ?? {};
  const hasAccess = fallback.hasAccess ?? false;
  const isUnlimited = fallback.isUnlimited ?? false;
  if (type === 'BOOLEAN') return { type, hasAccess, isFallback: true };
  if (type === 'NUMERIC') return { type, hasAccess, isFallback: true, isUnlimited, ...(fallback.value !== undefined && { value: fallback.value }) };
  return { type, hasAccess, isFallback: true, isUnlimited, hasSoftLimit: false, currentUsage: 0, requestedUsage, ...(fallback.usageLimit !== undefined && { usageLimit: fallback.usageLimit }) };
}
