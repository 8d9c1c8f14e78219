/**
 * Clock-aligned schedules in upstream's text syntax ("every 1 hour", "every 15 minutes",
 * "at 10:15 am"), parsed by @breejs/later as upstream does (docs/reference/runtime.md#schedule-syntax).
 * Evaluated in UTC (the library default). Unlike upstream, unparseable text is rejected
 * with a clear error instead of silently never firing (heartbeat) or crashing (uptime).
 */
import later from '@breejs/later';
import { systemTimers, type Timers } from './timers.ts';

export interface TextSchedule {
  readonly text: string;
  /** The next `count` occurrences at or after `fromMs`, in ms since the epoch. */
  next(count: number, fromMs: number): number[];
}

/** Longest delay Node's timers accept; longer waits are re-armed in steps. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Parses a later.js text schedule. `keyPath` names the config key in the error message.
 * Throws when the text does not parse completely or yields no occurrence.
 */
export function parseTextSchedule(text: string, keyPath = 'frequency'): TextSchedule {
  if (typeof text !== 'string' || text.trim() === '') {
    throw new Error(`${keyPath}: a schedule such as "every 15 minutes" is required`);
  }
  const parsed = later.parse.text(text);
  if (parsed.error >= 0 || parsed.schedules.length === 0) {
    throw new Error(
      `${keyPath}: cannot understand the schedule "${text}" (stopped at character ${Math.max(parsed.error, 0) + 1}); ` +
        'use e.g. "every 30 seconds", "every 15 minutes", "every 1 hour" or "at 10:15 am"',
    );
  }
  const compiled = later.schedule(parsed);
  const schedule: TextSchedule = {
    text,
    next(count, fromMs) {
      const result = compiled.next(count, new Date(fromMs));
      if (result === 0) return [];
      return (Array.isArray(result) ? result : [result]).map((d) => d.getTime());
    },
  };
  if (schedule.next(1, Date.now()).length === 0) {
    throw new Error(`${keyPath}: the schedule "${text}" never fires`);
  }
  return schedule;
}

/**
 * Interval between occurrences as upstream computes it for New Relic's `interval.ms`: the
 * difference between the 4th and the 3rd upcoming occurrence.
 */
export function scheduleIntervalMs(schedule: TextSchedule, fromMs: number): number {
  const upcoming = schedule.next(4, fromMs);
  const third = upcoming[2];
  const fourth = upcoming[3];
  return third !== undefined && fourth !== undefined ? fourth - third : 0;
}

export interface RunningSchedule {
  stop(): void;
}

/**
 * Calls `tick` on every occurrence. As later.js does, an occurrence less than one second
 * away is skipped, so "every 1 hour" started at 10:07 first fires at 11:00. A throwing or
 * rejecting `tick` never stops the schedule.
 */
export function runSchedule(
  schedule: TextSchedule,
  tick: () => unknown,
  timers: Timers = systemTimers,
  onError: (error: unknown) => void = () => {},
): RunningSchedule {
  let handle: unknown;
  let stopped = false;

  const arm = (): void => {
    if (stopped) return;
    const now = timers.now();
    const [first, second] = schedule.next(2, now);
    if (first === undefined) return;
    let due = first;
    if (first - now < 1000) {
      if (second === undefined) return;
      due = second;
    }
    const wait = due - now;
    if (wait > MAX_TIMER_MS) {
      handle = timers.setTimeout(arm, MAX_TIMER_MS);
      return;
    }
    handle = timers.setTimeout(() => {
      if (stopped) return;
      try {
        const result = tick();
        if (result instanceof Promise) result.catch(onError);
      } catch (error) {
        onError(error);
      }
      arm();
    }, wait);
  };

  arm();
  return {
    stop() {
      stopped = true;
      if (handle !== undefined) timers.clearTimeout(handle);
    },
  };
}
