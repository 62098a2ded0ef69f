import { sql } from 'kysely';
import { commitChange } from '../db/commitChange';
import type { Db, DbOrTransaction } from '../db/createDb';
import { applyToCounter, counterValue, type CounterKey } from '../db/repositories/usageCounters.repository';
import { findAcknowledgement, insertMeasurement, saveAcknowledgement } from '../db/repositories/usageMeasurements.repository';
import type { ChangeEvent } from '../domain/changeEvent';
import type { CheckedFeature } from '../domain/entitlements/entitlementCheck';
import type { EntitlementGrant } from '../domain/entitlements/effectiveEntitlements';
import { counterPeriod, resetsNever } from '../domain/usage/counterPeriod';
import type { UsageReport } from '../domain/usage/usageInput';
import type { UsagePeriod } from '../domain/usage/usagePeriod';
import { HttpError, invalidInput, notFound } from '../api/httpError';
import type { EntitlementReads } from './entitlementReads';

export type UsageAcknowledgement = {
  measurementId: string;
  customerId: string;
  featureId: string;
  resourceId?: string;
  updateBehavior: 'DELTA' | 'SET';
  value: number;
  currentUsage: number;
  usagePeriodStart?: string;
  usagePeriodEnd?: string;
};

// Refused check-and-consume: nothing of the batch was recorded.
export class UsageLimitExceeded extends HttpError {
  constructor(index: number | null, figures: { featureId: string; usageLimit: number | null; currentUsage: number; requestedUsage: number; accessDeniedReason: string }) {
    const field = index === null ? 'value' : `usages[${index}].value`;
    const message =
      figures.usageLimit === null
        ? `customer has no entitlement to "${figures.featureId}" (${figures.accessDeniedReason}); nothing was recorded`
        : `${figures.currentUsage} used + ${figures.requestedUsage} requested exceeds the limit of ${figures.usageLimit} for "${figures.featureId}"; nothing was recorded`;
    super(409, 'USAGE_LIMIT_EXCEEDED', message, field, [
      { field: `${field.replace(/value$/, '')}usageLimit`, message: String(figures.usageLimit) },
      { field: `${field.replace(/value$/, '')}currentUsage`, message: String(figures.currentUsage) },
    ]);
    this.figures = figures;
  }
  readonly figures;
}

// Records calculated usage: every report of the request in one transaction, acknowledged only after commit. A report
// whose idempotency key was seen answers its first acknowledgement and changes nothing. With `enforceLimit` a
// report is recorded only if the counter stays within the hard limit; the check and the increment are one
// conditional upsert, so concurrent consumers of the last units never overshoot.
export async function reportUsage(db: Db, reads: EntitlementReads, environmentId: string, reports: UsageReport[], batched: boolean, now = new Date()): Promise<UsageAcknowledgement[]> {
  const fieldOf = (index: number, name: string) => (batched ? `usages[${index}].${name}` : name);
  const features = await reads.features(environmentId);
  const issues = reports.flatMap((report, index) => featureIssues(features.get(report.featureId), report, fieldOf(index, 'featureId'), fieldOf(index, 'value')));
  if (issues.length > 0) throw issues[0]!.status === 404 ? issues[0]! : invalidInput(issues.map((issue) => ({ field: issue.field!, message: issue.message })));
  return commitChange(db, {
    environmentId,
    write: async (trx) => {
      await requireCustomers(trx, environmentId, reports, fieldOf);
      const acknowledgements: { ack: UsageAcknowledgement; fresh: boolean; period: UsagePeriod }[] = [];
      for (const [index, report] of reports.entries()) acknowledgements.push(await recordOne(trx, environmentId, features.get(report.featureId)!, report, batched ? index : null, now));
      return acknowledgements;
    },
    recompute: () => [],
    events: (acknowledgements) => acknowledgements.filter(({ fresh }) => fresh).map(({ ack, period }) => usageChanged(ack, period)),
  }).then((acknowledgements) => acknowledgements.map(({ ack }) => ack));
}

function featureIssues(feature: CheckedFeature | undefined, report: UsageReport, featureField: string, valueField: string): HttpError[] {
  if (!feature) return [notFound(`unknown feature "${report.featureId}"`, featureField)];
  if (feature.featureType !== 'NUMBER' || feature.meterType === 'None') return [new HttpError(400, 'INVALID_INPUT', `feature "${report.featureId}" is not metered; only metered features take usage`, featureField)];
  // Incremental meters count things that happened: they go up (a SET restates the period's total), never down.
  if (feature.meterType === 'Incremental' && report.updateBehavior === 'DELTA' && report.value < 0) {
    return [new HttpError(400, 'INVALID_INPUT', `a DELTA on the incremental feature "${report.featureId}" must not be negative`, valueField)];
  }
  return [];
}

async function requireCustomers(trx: DbOrTransaction, environmentId: string, reports: UsageReport[], fieldOf: (index: number, name: string) => string) {
  const ids = [...new Set(reports.map((report) => report.customerId))];
  const rows = await trx.selectFrom('customers').select(['id', 'archived_at']).where('environment_id', '=', environmentId).where('id', 'in', ids).execute();
  const live = new Set(rows.filter((row) => !row.archived_at).map((row) => row.id));
  const index = reports.findIndex((report) => !live.has(report.customerId));
  if (index >= 0) throw notFound(`unknown customer "${reports[index]!.customerId}"`, fieldOf(index, 'customerId'));
}

async function recordOne(trx: DbOrTransaction, environmentId: string, feature: CheckedFeature, report: UsageReport, index: number | null, now: Date) {
  const key: CounterKey = { environmentId, customerId: report.customerId, resourceKey: report.resourceId ?? '', featureId: report.featureId };
  const createdAt = report.createdAt ?? now;
  // The insert's foreign key takes a key-share lock on the customer: a recomputation of its entitlements (which
  // locks the customer for update) either finished before, so the grant read next is current, or waits for us.
  const measurementId = await insertMeasurement(trx, { ...key, updateBehavior: report.updateBehavior, value: report.value, dimensions: report.dimensions, idempotencyKey: report.idempotencyKey ?? null, createdAt });
  if (measurementId === undefined) {
    const ack = (await findAcknowledgement(trx, key, report.idempotencyKey!)) as UsageAcknowledgement;
    return { ack, fresh: false, period: periodOf(ack) };
  }
  const grant = await grantFor(trx, key);
  const period = counterPeriod({ meterType: feature.meterType, resetPeriod: grant?.resetPeriod ?? null, usagePeriodAnchor: grant?.usagePeriodAnchor ? new Date(grant.usagePeriodAnchor) : null }, createdAt);
  const change = { kind: report.updateBehavior === 'SET' ? ('SET' as const) : ('ADD' as const), value: report.value };
  const currentUsage = report.enforceLimit ? await consumeWithinLimit(trx, key, period, change, grant, report, index) : await applyToCounter(trx, key, period, change);
  const ack: UsageAcknowledgement = {
    measurementId,
    customerId: report.customerId,
    featureId: report.featureId,
    ...(report.resourceId !== undefined && { resourceId: report.resourceId }),
    updateBehavior: report.updateBehavior,
    value: report.value,
    currentUsage,
    ...(!resetsNever(period) && { usagePeriodStart: period.start.toISOString(), usagePeriodEnd: period.end.toISOString() }),
  };
  await saveAcknowledgement(trx, measurementId, ack);
  return { ack, fresh: true, period };
}

// The grant a report counts against: the resource's own row, else the customer-wide one (as checks read it).
async function grantFor(trx: DbOrTransaction, key: CounterKey): Promise<Pick<EntitlementGrant, 'amount' | 'unlimited' | 'hasSoftLimit' | 'resetPeriod' | 'usagePeriodAnchor'> | undefined> {
  const rows = await trx
    .selectFrom('effective_entitlements')
    .select(['resource_key', 'amount', 'unlimited', 'has_soft_limit', 'reset_period', 'usage_period_anchor'])
    .where('environment_id', '=', key.environmentId)
    .where('customer_id', '=', key.customerId)
    .where('feature_id', '=', key.featureId)
    .where('resource_key', 'in', [...new Set([key.resourceKey, ''])])
    .execute();
  const row = rows.find((r) => r.resource_key === key.resourceKey) ?? rows.find((r) => r.resource_key === '');
  if (!row) return undefined;
  return { amount: row.amount, unlimited: row.unlimited, hasSoftLimit: row.has_soft_limit, resetPeriod: row.reset_period, usagePeriodAnchor: row.usage_period_anchor?.toISOString() ?? null };
}

// The increment and the limit check in one statement: the upsert's row lock orders concurrent consumers, and each
// sees the value the one before it left.
async function consumeWithinLimit(trx: DbOrTransaction, key: CounterKey, period: UsagePeriod, change: { kind: 'ADD' | 'SET'; value: number }, grant: Awaited<ReturnType<typeof grantFor>>, report: UsageReport, index: number | null): Promise<number> {
  if (grant && (grant.unlimited || grant.hasSoftLimit)) return applyToCounter(trx, key, period, change);
  const limit = grant?.amount ?? null;
  const refuse = async (): Promise<never> => {
    throw new UsageLimitExceeded(index, {
      featureId: key.featureId,
      usageLimit: limit,
      currentUsage: await counterValue(trx, key, period),
      requestedUsage: report.value,
      accessDeniedReason: grant ? 'RequestedUsageExceedingLimit' : 'NoFeatureEntitlementInSubscription',
    });
  };
  if (limit === null || change.value > limit) return refuse();
  const next = change.kind === 'SET' ? sql<number>`excluded.value` : sql<number>`usage_counters.value + excluded.value`;
  const row = await trx
    .insertInto('usage_counters')
    .values({ environment_id: key.environmentId, customer_id: key.customerId, resource_key: key.resourceKey, feature_id: key.featureId, period_start: period.start, period_end: period.end, value: change.value })
    .onConflict((conflict) =>
      conflict
        .columns(['environment_id', 'customer_id', 'resource_key', 'feature_id', 'period_start'])
        .doUpdateSet({ value: next, updated_at: sql`now()` })
        .where(sql<boolean>`${next} <= ${limit}`),
    )
    .returning('value')
    .executeTakeFirst();
  return row ? row.value : refuse();
}

function periodOf(ack: UsageAcknowledgement): UsagePeriod {
  return ack.usagePeriodStart && ack.usagePeriodEnd ? { start: new Date(ack.usagePeriodStart), end: new Date(ack.usagePeriodEnd) } : { start: new Date(0), end: new Date(0) };
}

function usageChanged(ack: UsageAcknowledgement, period: UsagePeriod): ChangeEvent {
  return {
    type: 'usage.updated',
    customerId: ack.customerId,
    resourceId: ack.resourceId ?? null,
    payload: {
      featureId: ack.featureId,
      currentUsage: ack.currentUsage,
      usagePeriodStart: resetsNever(period) ? null : period.start.toISOString(),
      usagePeriodEnd: resetsNever(period) ? null : period.end.toISOString(),
    },
  };
}
