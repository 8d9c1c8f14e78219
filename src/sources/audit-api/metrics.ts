/**
 * The audit API's own counters for /metrics (upstream exposes none): requests refused by
 * reason, events accepted and handled, the work queue, the journal and screenshot downloads.
 */
import type { MetricSample } from '../../components/metrics.ts';
import type { JournalStats } from './journal.ts';
import type { IntakeCounters } from './request-log.ts';

export interface AuditMetricsInput {
  requests: IntakeCounters | undefined;
  counts: { accepted: number; notStored: number; handled: number };
  queue: { waiting: number; running: number };
  journal: JournalStats | undefined;
  screenshots: Record<string, number> | undefined;
}

export function auditMetrics(input: AuditMetricsInput): MetricSample[] {
  const counter = (
    name: string,
    help: string,
    value: number,
    labels: Record<string, string> = {},
  ): MetricSample => ({
    name,
    help,
    type: 'counter',
    labels,
    value,
  });
  const gauge = (name: string, help: string, value: number): MetricSample => ({
    name,
    help,
    type: 'gauge',
    labels: {},
    value,
  });
  const out: MetricSample[] = [
    counter(
      'butler_sos_audit_events_accepted_total',
      'Audit events answered 202 (journaled)',
      input.counts.accepted,
    ),
    counter(
      'butler_sos_audit_events_handled_total',
      'Audit events handed to the destinations',
      input.counts.handled,
    ),
    counter(
      'butler_sos_audit_events_not_stored_total',
      'Audit events answered 503 because the journal could not take them',
      input.counts.notStored,
    ),
    gauge('butler_sos_audit_queue_waiting', 'Audit events waiting for their handler', input.queue.waiting),
    gauge('butler_sos_audit_queue_running', 'Audit events being handled', input.queue.running),
  ];
  for (const [reason, value] of Object.entries(input.requests ?? {})) {
    out.push(
      counter('butler_sos_audit_requests_refused_total', 'Audit API requests refused, by reason', value, {
        reason,
      }),
    );
  }
  if (input.journal) {
    out.push(
      gauge(
        'butler_sos_audit_journal_records',
        'Audit events in the journal not yet stored everywhere',
        input.journal.records,
      ),
    );
    out.push(
      gauge('butler_sos_audit_journal_bytes', 'Bytes of the audit journal on disk', input.journal.bytes),
    );
  }
  for (const [outcome, value] of Object.entries(input.screenshots ?? {})) {
    out.push(
      counter('butler_sos_audit_screenshots_total', 'Screenshot downloads, by outcome', value, { outcome }),
    );
  }
  return out;
}
