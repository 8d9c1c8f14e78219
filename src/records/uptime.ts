/** One uptime-monitor sample of the agent's own process (docs/reference/runtime.md#uptime-monitor). */
export interface UptimeRecord {
  kind: 'uptime';
  /** Sample time, ms since the epoch. */
  timeMs: number;
  /** 1 for the first sample. */
  iteration: number;
  /** Time since the monitor started, ms. */
  uptimeMs: number;
  /** Schedule interval (gap between upcoming occurrences), ms; New Relic `interval.ms`. */
  intervalMs: number;
  /** Bytes, from `process.memoryUsage()`. */
  heapUsed: number;
  heapTotal: number;
  external: number;
  rss: number;
}
