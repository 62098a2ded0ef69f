// The end of a trial that starts at `start`: days are exact 24-hour days, months are calendar months
// (clamped to the month's last day, as Stripe does: Jan 31 + 1 month = Feb 28/29), all in UTC.
export function trialEnd(start: Date, trial: { duration: number; unit: 'DAY' | 'MONTH' }): Date {
  if (trial.unit === 'DAY') return new Date(start.getTime() + trial.duration * 86_400_000);
  return addMonths(start, trial.duration);
}

export function addMonths(start: Date, months: number): Date {
  const year = start.getUTCFullYear();
  const month = start.getUTCMonth() + months;
  const lastDay = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  return new Date(Date.UTC(year, month, Math.min(start.getUTCDate(), lastDay), start.getUTCHours(), start.getUTCMinutes(), start.getUTCSeconds(), start.getUTCMilliseconds()));
}

// The end of the billing period that starts at `start`.
export function billingPeriodEnd(start: Date, period: 'MONTHLY' | 'ANNUALLY'): Date {
  return addMonths(start, period === 'MONTHLY' ? 1 : 12);
}
