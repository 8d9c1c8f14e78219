/**
 * Audit events posted by the Audit.qs browser extension (upstream v15's audit API): one
 * accepted envelope, what handling added to it (reduced selection details, the data state,
 * the paths of a downloaded screenshot), and the user parsed from its context. Each audit
 * destination turns it into its own shape (an `audit_event` point, a JSON file, a Parquet or
 * QVD row).
 *
 * `audit-queue` is one sample of the audit API's work queue (upstream's `audit_events_queue`).
 */
import type { UdpQueueState } from './udp-queue.ts';

/** The envelope as accepted (after upstream's coercions); unknown keys are kept. */
export interface AuditEnvelope {
  schemaVersion: number;
  eventId: string;
  correlationId?: string;
  timestamp: string;
  type: string;
  source?: { kind?: string; name?: string; version?: string };
  payload: Record<string, unknown>;
  [key: string]: unknown;
}

/** `payload.context.user` parsed: `UserDirectory=LAB; UserId=anna`, `LAB\anna`, or just a name. */
export interface AuditUser {
  user?: string;
  userDirectory?: string;
  userId?: string;
}

/** What the per-type handler added. */
export interface AuditExtras {
  /** `selection.state.changed`: `details` reduced to qField, qSelectedCount, qSelected. */
  selectionDetails?: Record<string, unknown>[];
  /** `app.model.validated`: the event's `dataStateId`. */
  dataStateId?: unknown;
  /** `screenshot.url.received`: absolute paths of the files written. */
  savedPaths?: string[];
}

/**
 * How an audit destination tells the audit API that it has stored a record (or refused it for
 * good), so that the API can forget the record from its journal. A destination that takes the
 * record calls `hold` (synchronously, while taking it) and the returned function once.
 * `flush` lets the API ask that destination to write what it holds, at shutdown.
 */
export interface AuditReceipt {
  hold(flush: () => Promise<void>): () => void;
}

export interface AuditEventRecord {
  kind: 'audit-event';
  /** When the API accepted the event (ms since the epoch). */
  receivedAtMs: number;
  /**
   * The envelope's `timestamp` in ms (the point time), or the receive time when it does not
   * parse (a leap second `23:59:60Z` passes the schema and not `Date.parse`).
   */
  timeMs: number;
  /** False when `timeMs` is the receive time because the timestamp did not parse. */
  timeFromEnvelope: boolean;
  envelope: AuditEnvelope;
  extras: AuditExtras;
  identity: AuditUser;
  /**
   * Present on records from the audit API; not enumerable, so it never reaches a JSON line,
   * a spool or a log.
   */
  readonly receipt?: AuditReceipt;
}

/** The audit API's work queue now, and its counters since the previous sample. */
export interface AuditQueueRecord {
  kind: 'audit-queue';
  timeMs: number;
  hostname: string;
  /** The same state a UDP listener's queue reports: both are upstream's message queue. */
  queue: UdpQueueState;
  window: {
    received: number;
    queued: number;
    processed: number;
    failed: number;
    droppedRateLimit: number;
    droppedQueueFull: number;
    processingTimesMs: readonly number[];
  };
}

/** Attaches a receipt to a record without making it enumerable (JSON and spreads skip it). */
export function withReceipt(record: AuditEventRecord, receipt: AuditReceipt): AuditEventRecord {
  Object.defineProperty(record, 'receipt', { value: receipt, enumerable: false });
  return record;
}
