import type { ActivityOptions } from '@temporalio/workflow';

// Transient failures (database blips, Stripe outages) are retried here, not in activity code.
export const defaultActivityOptions: ActivityOptions = {
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 20 },
};
