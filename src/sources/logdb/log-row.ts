/** A row of `QLogs.public.log_entries` as the poller reads it, and its record. */
import type { LogDbRecord } from '../../records/logdb.ts';

export interface LogRow {
  id: string;
  entry_timestamp: Date | string | null;
  entry_level: string | null;
  process_host: string | null;
  process_name: string | null;
  payload: unknown;
}

/** A null or odd payload gives an empty message (and a null payload), never an error. */
export function logRowToRecord(row: LogRow): LogDbRecord {
  const object = payloadObject(row.payload);
  const message = object && typeof object.Message === 'string' ? object.Message : '';
  const time =
    row.entry_timestamp instanceof Date
      ? row.entry_timestamp.getTime()
      : Date.parse(String(row.entry_timestamp));
  return {
    kind: 'logdb',
    id: row.id,
    timeMs: Number.isFinite(time) ? time : Date.now(),
    level: row.entry_level ?? '',
    processHost: row.process_host ?? '',
    processName: row.process_name ?? '',
    message,
    payload: object,
  };
}

/** The payload as a JSON object (it may arrive as JSON text), or null. */
function payloadObject(raw: unknown): Record<string, unknown> | null {
  let payload = raw;
  if (typeof payload === 'string') {
    try {
      payload = JSON.parse(payload);
    } catch {
      payload = null;
    }
  }
  return payload && typeof payload === 'object' && !Array.isArray(payload)
    ? (payload as Record<string, unknown>)
    : null;
}
