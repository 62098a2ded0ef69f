import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

// Custom search attributes, so a person can find a customer's workflows in the Temporal UI.
export const searchAttributeKeys = {
  environment: defineSearchAttributeKey('TollgateEnvironment', SearchAttributeType.KEYWORD),
  customerId: defineSearchAttributeKey('TollgateCustomerId', SearchAttributeType.KEYWORD),
  planId: defineSearchAttributeKey('TollgatePlanId', SearchAttributeType.KEYWORD),
  subscriptionId: defineSearchAttributeKey('TollgateSubscriptionId', SearchAttributeType.KEYWORD),
  subscriptionStatus: defineSearchAttributeKey('TollgateSubscriptionStatus', SearchAttributeType.KEYWORD),
};

export const allSearchAttributeKeys = Object.values(searchAttributeKeys);

// `temporal server start-dev --search-attribute` flags for the keys above.
export function searchAttributeFlags(): string[] {
  return allSearchAttributeKeys.flatMap((key) => ['--search-attribute', `${key.name}=Keyword`]);
}
