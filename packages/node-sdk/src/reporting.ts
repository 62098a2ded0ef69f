import { randomUUID } from 'node:crypto';
import type { EntitlementsStore } from './entitlementsStore.js';
import { isUnreachable, TollgateError } from './errors.js';
import type { HttpRequest } from './httpClient.js';
import { createReportBuffer, type PendingReport } from './reportBuffer.js';
import type { Logger, ReportEventRequest, ReportUsageRequest, ReportUsageResult } from './types.js';
import { toReportUsageResult, type WireUsageAcknowledgement } from './wire.js';

const FLUSH_BACKOFF = { baseMs: 250, maxMs: 10_000 };
const MAX_EVENT_BATCH = 1000;

export const defined = <O extends Record<string, unknown>>(object: O) => Object.fromEntries(Object.entries(object).filter(([, value]) => value !== undefined)) as O;
export const iso = (date: Date | string | undefined) => (date instanceof Date ? date.toISOString() : date);
const bufferFull = () => new TollgateError('the service is unreachable and the buffer of reports is full', { code: 'BUFFER_FULL', unreachable: true });

export type ReportingSettings = {
  request: <R>(request: HttpRequest) => Promise<R>;
  store: EntitlementsStore;
  timeout: number;
  maxBufferedReports: number;
  logger: Logger;
};

// reportUsage and reportEvent: sent at once when the service answers, else kept in the bounded buffer (in order,
// deduplicated by their keys) and flushed when it answers again. Acknowledgements update the cached usage.
export function createReporting(settings: ReportingSettings) {
  const { request, store, timeout } = settings;

  const sendUsage = async (bodies: Record<string, unknown>[]): Promise<unknown[]> => {
    if (bodies.length === 1) return [await request({ method: 'POST', path: '/v1/usage', body: bodies[0], timeoutMs: timeout })];
    return (await request<{ usages: unknown[] }>({ method: 'POST', path: '/v1/usage', body: { usages: bodies }, timeoutMs: timeout })).usages;
  };
  const sendEvents = (bodies: Record<string, unknown>[]) => request({ method: 'POST', path: '/v1/events', body: bodies, timeoutMs: timeout });

  const applyAcknowledgement = (acknowledgement: WireUsageAcknowledgement): ReportUsageResult => {
    const result = toReportUsageResult(acknowledgement);
    store.applyUsage(result.customerId, result.resourceId, result.featureId, acknowledgement.currentUsage, result.usagePeriodStart, result.usagePeriodEnd);
    return result;
  };

  const buffer = createReportBuffer({
    maxSize: settings.maxBufferedReports,
    backoff: FLUSH_BACKOFF,
    send: (kind, bodies) => (kind === 'usage' ? sendUsage(bodies) : sendEvents(bodies).then(() => bodies.map(() => undefined))),
    onDelivered: (report, answer) => {
      if (report.kind === 'usage') applyAcknowledgement(answer as WireUsageAcknowledgement);
    },
    onRefused: (report, error) => settings.logger.error(`a buffered ${report.kind} report was refused by the service and dropped:`, (error as Error)?.message, report.body),
  });

  function bufferUsage(report: PendingReport, pending: ReportUsageResult, usage: ReportUsageRequest): ReportUsageResult {
    const added = buffer.add(report);
    if (added === 'full') throw bufferFull();
    if (added === 'added') store.applyPendingUsage(usage.customerId, usage.resourceId, usage.featureId, usage.value, usage.updateBehavior ?? 'DELTA');
    return pending;
  }

  return {
    async reportUsage(usage: ReportUsageRequest): Promise<ReportUsageResult> {
      const idempotencyKey = usage.idempotencyKey ?? randomUUID();
      const { customerId, featureId, resourceId } = usage;
      const pending = { measurementId: idempotencyKey, customerId, featureId, ...(resourceId !== undefined && { resourceId }), isBuffered: true };
      const body = defined({ ...usage, createdAt: iso(usage.createdAt), idempotencyKey }) as Record<string, unknown>;
      const report: PendingReport = { kind: 'usage', key: JSON.stringify(['u', customerId, resourceId ?? '', featureId, idempotencyKey]), body };
      // Reports wait behind those already buffered, so they reach the service in the order they were made.
      if (buffer.size > 0 && !usage.enforceLimit) return bufferUsage(report, pending, usage);
      try {
        const [acknowledgement] = await sendUsage([body]);
        return applyAcknowledgement(acknowledgement as WireUsageAcknowledgement);
      } catch (error) {
        // A check-and-consume cannot be decided later: its caller must know now.
        if (!isUnreachable(error) || usage.enforceLimit) throw error;
        return bufferUsage(report, pending, usage);
      }
    },

    async reportEvent(events: ReportEventRequest | ReportEventRequest[]): Promise<void> {
      const reports: PendingReport[] = (Array.isArray(events) ? events : [events]).map((event) => ({
        kind: 'event',
        key: JSON.stringify(['e', event.customerId, event.resourceId ?? '', event.eventName, event.idempotencyKey]),
        body: defined({ ...event, timestamp: iso(event.timestamp) }) as Record<string, unknown>,
      }));
      for (let start = 0; start < reports.length; start += MAX_EVENT_BATCH) {
        const batch = reports.slice(start, start + MAX_EVENT_BATCH);
        try {
          if (buffer.size > 0) throw new TollgateError('earlier reports wait in the buffer', { code: 'BUFFERED', unreachable: true });
          await sendEvents(batch.map((report) => report.body));
        } catch (error) {
          if (!isUnreachable(error)) throw error;
          if (batch.map((report) => buffer.add(report)).includes('full')) throw bufferFull();
        }
      }
    },

    flush: () => buffer.flush(),
    close: () => buffer.close(),
    get buffered() {
      return buffer.size;
    },
  };
}
