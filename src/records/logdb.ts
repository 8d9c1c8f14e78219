/**
 * One row of the Sense log database (`QLogs`, table `public.log_entries`,
 * docs/reference/sense-apis.md#qlogs-table), as read by the log database poller. Emitted once
 * per row id.
 */
export interface LogDbRecord {
  kind: 'logdb';
  /** `log_entries.id` (bigint, kept as a string). */
  id: string;
  /** `entry_timestamp`, ms since the epoch. */
  timeMs: number;
  /** `entry_level` as stored: `ERROR`, `WARN`, `FATAL`, `INFO`. */
  level: string;
  /** `process_host`: the Sense host name, matched against `servers[].logDbHost`. */
  processHost: string;
  /** `process_name`, e.g. `Proxy`, `Engine`, `Repository`. */
  processName: string;
  /** `payload.Message`; '' when the payload has none. */
  message: string;
  /** The JSON payload; null when absent or not an object. */
  payload: Record<string, unknown> | null;
}
