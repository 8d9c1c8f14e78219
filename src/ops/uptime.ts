/**
 * Uptime monitor (docs/reference/runtime.md#uptime-monitor): on every occurrence of `frequency`,
 * two log lines at the configured level and one `UptimeRecord` for InfluxDB / New Relic. No output
 * at start; the first sample comes at the first occurrence, as upstream.
 */
import type { Logger, LogLevel } from '../logging/logger.ts';
import type { UptimeRecord } from '../records/uptime.ts';
import { parseTextSchedule, runSchedule, scheduleIntervalMs } from './schedule.ts';
import { systemTimers, type Timers } from './timers.ts';

export interface UptimeMonitorOptions {
  /** `uptimeMonitor.frequency`, later.js text. */
  frequency: string;
  /** `uptimeMonitor.logLevel`; any case, normalised here. */
  logLevel: string;
  log: Logger;
  onSample: (record: UptimeRecord) => void;
  timers?: Timers;
  /** Injectable for tests; defaults to `process.memoryUsage`. */
  memoryUsage?: () => { heapUsed: number; heapTotal: number; external: number; rss: number };
}

const LEVELS: readonly LogLevel[] = ['error', 'warn', 'info', 'verbose', 'debug', 'silly'];

const MB = (bytes: number) => Math.round((bytes / 1024 / 1024) * 100) / 100;

/**
 * Upstream's uptime phrase: months, days, hours, minutes, seconds (seconds rounded). Years
 * are shown only once they are non-zero (upstream drops them, so its month count wraps).
 */
export function formatUptime(ms: number): string {
  let seconds = Math.round(ms / 1000);
  const SEC = { year: 365 * 86400, month: 30 * 86400, day: 86400, hour: 3600, minute: 60 };
  const years = Math.floor(seconds / SEC.year);
  seconds -= years * SEC.year;
  const months = Math.floor(seconds / SEC.month);
  seconds -= months * SEC.month;
  const days = Math.floor(seconds / SEC.day);
  seconds -= days * SEC.day;
  const hours = Math.floor(seconds / SEC.hour);
  seconds -= hours * SEC.hour;
  const minutes = Math.floor(seconds / SEC.minute);
  seconds -= minutes * SEC.minute;
  const text = `${months} months, ${days} days, ${hours} hours, ${minutes} minutes, ${seconds} seconds`;
  return years > 0 ? `${years} years, ${text}` : text;
}

/**
 * 1234567 → "1,234,567" (as toLocaleString('en-US') writes it). By hand because the first
 * toLocaleString call pages in Node's ICU data: about 8 MB more resident for one log line.
 */
function withThousandsSeparators(value: number): string {
  return String(value).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

export function uptimeLogLine(record: UptimeRecord): string {
  return (
    `Iteration # ${withThousandsSeparators(record.iteration)}, Uptime: ${formatUptime(record.uptimeMs)}, ` +
    `Heap used ${MB(record.heapUsed)} MB of total heap ${MB(record.heapTotal)} MB. ` +
    `External (off-heap): ${MB(record.external)} MB. Memory allocated to process: ${MB(record.rss)} MB.`
  );
}

export function startUptimeMonitor(options: UptimeMonitorOptions): { stop(): void } {
  const level = String(options.logLevel).trim().toLowerCase() as LogLevel;
  if (!LEVELS.includes(level)) {
    throw new Error(`uptimeMonitor.logLevel: "${options.logLevel}" is not one of ${LEVELS.join(', ')}`);
  }
  const schedule = parseTextSchedule(options.frequency, 'uptimeMonitor.frequency');
  const timers = options.timers ?? systemTimers;
  const memoryUsage = options.memoryUsage ?? (() => process.memoryUsage());
  const startedAt = timers.now();
  const intervalMs = scheduleIntervalMs(schedule, startedAt);
  options.log.debug(`UPTIME: Interval between uptime events: ${intervalMs} milliseconds`);
  let iteration = 0;

  const running = runSchedule(
    schedule,
    () => {
      const now = timers.now();
      const mem = memoryUsage();
      const record: UptimeRecord = {
        kind: 'uptime',
        timeMs: now,
        iteration: ++iteration,
        uptimeMs: now - startedAt,
        intervalMs,
        heapUsed: mem.heapUsed,
        heapTotal: mem.heapTotal,
        external: mem.external,
        rss: mem.rss,
      };
      options.log[level]('--------------------------------');
      options.log[level](uptimeLogLine(record));
      options.onSample(record);
    },
    timers,
    (error) =>
      options.log.error(
        `UPTIME: Error in uptime monitor: ${error instanceof Error ? error.message : String(error)}`,
      ),
  );
  return running;
}
