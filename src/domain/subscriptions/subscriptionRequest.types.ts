import type { SubscriptionParams } from '../customers/customerInput';

// A validated subscription request as a workflow carries it: plain JSON, so the start date travels as ISO text.
export type SubscriptionRequest = Omit<SubscriptionParams, 'startDate'> & { startDate?: string };

export function toSubscriptionRequest(params: SubscriptionParams): SubscriptionRequest {
  const { startDate, ...rest } = params;
  return { ...rest, ...(startDate && { startDate: startDate.toISOString() }) };
}

export function toSubscriptionParams(request: SubscriptionRequest): SubscriptionParams {
  const { startDate, ...rest } = request;
  return { ...rest, ...(startDate && { startDate: new Date(startDate) }) };
}
