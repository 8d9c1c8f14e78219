/**
 * The two periodic UDP-side writes (docs/reference/influxdb.md#event-counts,
 * docs/reference/influxdb.md#rejected-event-counts, docs/reference/influxdb.md#udp-queue-metrics,
 * docs/reference/destinations.md#schedules):
 * - queue metrics per listener, whose message counters restart only after a successful
 *   write (after a failed one they keep accumulating, as upstream);
 * - event counts and rejected-event counts, taken (and so restarted) at every tick whether
 *   or not the write succeeds, and not written for an interval without events.
 * Timers are unref'd: they never keep the process alive on their own.
 */
import type { Logger } from '../logging/logger.ts';
import type { EventCounters, EventCountsRecord } from '../records/event-counts.ts';
import type { UdpListener, UdpListenerStats, UdpWindow } from './listener.ts';

export interface Periodic {
  stop(): void;
  /** Run one tick now (tests, shutdown flush). */
  tick(): Promise<void>;
}

export function startQueueMetricsReporter(opts: {
  listener: UdpListener;
  intervalMs: number;
  write(stats: UdpListenerStats, window: UdpWindow): Promise<void>;
  log: Logger;
}): Periodic {
  let running = false;
  const tick = async () => {
    if (running) return;
    running = true;
    try {
      const stats = opts.listener.stats();
      const window = opts.listener.window();
      await opts.write(stats, window);
      opts.listener.resetWindow();
    } catch (err) {
      opts.log.warn('UDP queue metrics not written; counters keep accumulating', {
        error: (err as Error).message,
      });
    } finally {
      running = false;
    }
  };
  const timer = setInterval(() => void tick(), opts.intervalMs);
  timer.unref();
  return { stop: () => clearInterval(timer), tick };
}

export function startEventCountsFlusher(opts: {
  counters: EventCounters;
  intervalMs: number;
  write(record: EventCountsRecord): Promise<void> | void;
  log: Logger;
  now?: () => number;
}): Periodic {
  const now = opts.now ?? Date.now;
  const tick = async () => {
    const record = opts.counters.take(now());
    if (record.counts.length === 0 && record.rejected.length === 0) return;
    try {
      await opts.write(record);
    } catch (err) {
      opts.log.warn('Event counts not written (this interval is lost, as upstream)', {
        error: (err as Error).message,
      });
    }
  };
  const timer = setInterval(() => void tick(), opts.intervalMs);
  timer.unref();
  return { stop: () => clearInterval(timer), tick };
}
