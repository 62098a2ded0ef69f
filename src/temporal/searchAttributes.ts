// Custom search attributes, so a person can find a customer's workflows in the Temporal UI.
export const SEARCH_ATTRIBUTES = {
  TollgateEnvironment: 'Keyword',
  TollgateCustomerId: 'Keyword',
  TollgatePlanId: 'Keyword',
  TollgateStatus: 'Keyword',
} as const;
