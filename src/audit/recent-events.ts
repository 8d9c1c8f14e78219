/**
 * The most recent audit events, kept in memory for the web UI's audit page (who looked at
 * which app and sheet, and when). Bounded: the oldest summaries go first. One list per
 * process, filled by the audit API and read by the web server, which knows nothing else of
 * the audit API.
 */
import type { AuditEventRecord } from '../records/audit-event.ts';

export interface AuditEventSummary {
  timeMs: number;
  receivedAtMs: number;
  eventId: string;
  type: string;
  user: string | null;
  appId: string | null;
  appName: string | null;
  sheetName: string | null;
  objectId: string | null;
  durationMs: number | null;
  screenshots: number;
}

const text = (value: unknown): string | null => (typeof value === 'string' && value !== '' ? value : null);
const obj = (value: unknown): Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};

export function summarise(record: AuditEventRecord): AuditEventSummary {
  const context = obj(record.envelope.payload.context);
  const event = obj(record.envelope.payload.event);
  return {
    timeMs: record.timeMs,
    receivedAtMs: record.receivedAtMs,
    eventId: record.envelope.eventId,
    type: record.envelope.type,
    user: record.identity.user ?? null,
    appId: text(context.appId),
    appName: text(context.appName),
    sheetName: text(context.sheetName),
    objectId: text(event.objectId),
    durationMs: typeof event.duration === 'number' && Number.isFinite(event.duration) ? event.duration : null,
    screenshots: record.extras.savedPaths?.length ?? 0,
  };
}

export class RecentAuditEvents {
  readonly #max: number;
  #items: AuditEventSummary[] = [];
  #total = 0;

  constructor(max = 1000) {
    this.#max = max;
  }

  add(record: AuditEventRecord): void {
    this.#total++;
    this.#items.push(summarise(record));
    if (this.#items.length > this.#max * 1.25) this.#items = this.#items.slice(-this.#max);
  }

  /** Newest first. */
  list(limit = this.#max): AuditEventSummary[] {
    return this.#items.slice(-Math.min(limit, this.#max)).reverse();
  }

  /** Events seen since the process started. */
  get total(): number {
    return this.#total;
  }

  clear(): void {
    this.#items = [];
    this.#total = 0;
  }
}

export const recentAuditEvents = new RecentAuditEvents();
