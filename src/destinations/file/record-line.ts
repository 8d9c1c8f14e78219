/**
 * One record as one line of JSON: its time (ISO 8601, UTC) first, so shippers and `sort` find
 * it, then the record as the agent holds it, `kind` included. A number JSON cannot hold (NaN,
 * the engine's "not measured") becomes null.
 */
import type { AgentRecord } from '../../records/record.ts';

export function recordTimeMs(record: AgentRecord): number {
  return 'timeMs' in record ? record.timeMs : record.receivedAtMs;
}

export function recordLine(record: AgentRecord): string {
  return JSON.stringify({ time: new Date(recordTimeMs(record)).toISOString(), ...record });
}
