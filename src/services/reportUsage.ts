import type { Transaction } from 'kysely';
import type { Db, DbOrTransaction } from '../db/createDb';
import type { Database } from '../db/database';
import { notifyChangeOutbox } from '../db/repositories/changeOutbox.repository';
import { counterValue, type CounterKey } from '../db/repositories/usageCounters.repository';
import { findAcknowledgement } from '../db/repositories/usageMeasurements.repository';
import { applyCounterUpdate, claimMeasurement, readReportGrant, type ReportGrant } from '../db/repositories/usageReports.repository';
import type { ChangeEvent } from '../domain/changeEvent';
import type { CheckedFeature } from '../domain/entitlements/entitlementCheck';
import type { OutboxPosition } from '../domain/outboxPosition';
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
// conditional upsert, so concurrent consumers of the last units never overshoot. Two statements a report
// (usageReports.repository): the measurement under the customer's lock, then counter, acknowledgement and event in one.
export async function reportUsage(db: Db, reads: EntitlementReads, environmentId: string, reports: UsageReport[], batched: boolean, now = new Date()): Promise<UsageAcknowledgement[]> {
  const fieldOf = (index: number, name: string) => (batched ? `usages[${index}].${name}` : name);
  const features = await reads.features(environmentId);
  const issues = reports.flatMap((report, index) => featureIssues(features.get(report.featureId), report, fieldOf(index, 'featureId'), fieldOf(index, 'value')));
  if (issues.length > 0) throw issues[0]!.status === 404 ? issues[0]! : invalidInput(issues.map((issue) => ({ field: issue.field!, message: issue.message })));
  // The grants as the (cached) scopes have them: each is checked in the transaction, and read there when stale.
  const expectedGrants = await Promise.all(reports.map((report) => expectedGrantOf(reads, environmentId, report)));
  return db.transaction().execute(async (trx) => {
    if (batched) await requireCustomers(trx, environmentId, reports, fieldOf);
    const acknowledgements: UsageAcknowledgement[] = [];
    let last: OutboxPosition | undefined;
    for (const [index, report] of reports.entries()) {
      const notify = !batched;
      const recorded = await recordOne(trx, environmentId, features.get(report.featureId)!, report, expectedGrants[index], batched ? index : null, now, notify);
      acknowledgements.push(recorded.ack);
      last = recorded.position ?? last;
    }
    // A batch wakes the change feed's listeners once, for all its events.
    if (batched && last) await notifyChangeOutbox(trx, environmentId, last);
    return acknowledgements;
  });
}

async function expectedGrantOf(reads: EntitlementReads, environmentId: string, report: UsageReport): Promise<ReportGrant | undefined> {
  const scope = await reads.scope(environmentId, report.customerId, report.resourceId ?? null);
  return scope.grants.find((grant) => grant.featureId === report.featureId);
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

async function recordOne(trx: Transaction<Database>, environmentId: string, feature: CheckedFeature, report: UsageReport, expectedGrant: ReportGrant | undefined, index: number | null, now: Date, notify: boolean) {
  const key: CounterKey = { environmentId, customerId: report.customerId, resourceKey: report.resourceId ?? '', featureId: report.featureId };
  const createdAt = report.createdAt ?? now;
  const claimed = await claimMeasurement(trx, { ...key, updateBehavior: report.updateBehavior, value: report.value, dimensions: report.dimensions, idempotencyKey: report.idempotencyKey ?? null, createdAt });
  if (!claimed.live) throw notFound(`unknown customer "${report.customerId}"`, index === null ? 'customerId' : `usages[${index}].customerId`);
  if (claimed.measurementId === null) return { ack: (await findAcknowledgement(trx, key, report.idempotencyKey!)) as UsageAcknowledgement, position: undefined };
  const measurementId = claimed.measurementId;
  let grant = expectedGrant;
  // At most twice: a grant read after claimMeasurement (under the customer's lock) is the one in effect.
  for (let attempt = 0; ; attempt++) {
    const period = counterPeriod({ meterType: feature.meterType, resetPeriod: grant?.resetPeriod ?? null, usagePeriodAnchor: grant?.usagePeriodAnchor ? new Date(grant.usagePeriodAnchor) : null }, createdAt);
    const change = { kind: report.updateBehavior === 'SET' ? ('SET' as const) : ('ADD' as const), value: report.value };
    const limit = report.enforceLimit ? hardLimitOf(grant) : null;
    const refuse = async (): Promise<never> => {
      throw new UsageLimitExceeded(index, {
        featureId: key.featureId,
        usageLimit: typeof limit === 'number' ? limit : null,
        currentUsage: await counterValue(trx, key, period),
        requestedUsage: report.value,
        accessDeniedReason: grant ? 'RequestedUsageExceedingLimit' : 'NoFeatureEntitlementInSubscription',
      });
    };
    // A fresh counter is inserted without the upsert's condition: a report over the whole limit is refused here.
    if (limit === 'NONE' || (limit !== null && change.value > limit)) return refuse();
    const ack: UsageAcknowledgement = {
      measurementId,
      customerId: report.customerId,
      featureId: report.featureId,
      ...(report.resourceId !== undefined && { resourceId: report.resourceId }),
      updateBehavior: report.updateBehavior,
      value: report.value,
      currentUsage: 0,
      ...(!resetsNever(period) && { usagePeriodStart: period.start.toISOString(), usagePeriodEnd: period.end.toISOString() }),
    };
    const event = usageChanged(ack, period);
    const result = await applyCounterUpdate(trx, { key, measurementId, expectedGrant: grant, period, change, limit, acknowledgement: ack, event: { resourceId: event.resourceId, payload: event.payload }, notify });
    if (result.outcome === 'APPLIED') return { ack: { ...ack, currentUsage: result.value }, position: result.position };
    if (result.outcome === 'OVER_LIMIT') return refuse();
    if (attempt > 0) throw new Error(`the grant of "${key.featureId}" changed while its customer was locked`);
    grant = await readReportGrant(trx, key);
  }
}

// The hard limit check-and-consume keeps to: null when there is none to keep (unlimited, soft), 'NONE' without a grant.
function hardLimitOf(grant: ReportGrant | undefined): number | null | 'NONE' {
  if (grant && (grant.unlimited || grant.hasSoftLimit)) return null;
  return grant?.amount ?? 'NONE';
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
