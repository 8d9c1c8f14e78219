/**
 * One scheduler for every Sense poller.
 *
 * Each (poller, server) pair is its own job with its own timer, so a slow or dead server
 * only ever delays itself. A job whose previous run is still going when its timer fires
 * skips that tick (counted, warned once per streak), so polls of one server never overlap
 * (upstream v14 let them overlap; v15 skips whole cycles).
 *
 * Deliberate deviation: jobs run once right at start() (`runAtStart`, default true).
 * Upstream waits one full interval before the first poll
 * (docs/reference/sense-apis.md#poll-scheduling), which leaves dashboards empty and app ids
 * unresolved for the first 30–60 s. Intervals are still the configured ones.
 */
import type { Logger } from '../../logging/logger.ts';

export interface SchedulerJob {
  /** Unique key, e.g. `health:sense1`. */
  key: string;
  intervalMs: number;
  /** One poll. Should not throw; if it does, the error is logged and the job keeps its schedule. */
  run(): Promise<void>;
}

export interface JobStats {
  intervalMs: number;
  runs: number;
  /** Ticks skipped because the previous run was still going. */
  skippedTicks: number;
  /** Runs that threw (a poller bug, never a Sense failure). */
  crashed: number;
  running: boolean;
  lastStartMs: number;
  lastDurationMs: number;
}

export interface Scheduler {
  add(job: SchedulerJob): void;
  remove(key: string): void;
  start(): void;
  /** Clears every timer and waits (at most `graceMs`) for runs in progress. */
  stop(graceMs?: number): Promise<void>;
  stats(): Record<string, JobStats>;
}

export interface SchedulerOptions {
  log: Logger;
  runAtStart?: boolean;
}

interface JobState {
  job: SchedulerJob;
  stats: JobStats;
  timer: NodeJS.Timeout | undefined;
  immediate: NodeJS.Immediate | undefined;
  current: Promise<void> | undefined;
  /** Consecutive skipped ticks; the first one of a streak is logged. */
  skipStreak: number;
}

export function createScheduler(options: SchedulerOptions): Scheduler {
  const { log } = options;
  const runAtStart = options.runAtStart ?? true;
  const jobs = new Map<string, JobState>();
  let started = false;

  function tick(state: JobState): void {
    if (state.current) {
      state.stats.skippedTicks++;
      state.skipStreak++;
      // Warn when a streak starts; every further skip in the streak is only counted.
      if (state.skipStreak === 1) {
        log.warn(`SCHEDULER: ${state.job.key}: previous poll still running, skipping this tick`, {
          job: state.job.key,
          skippedTicks: state.stats.skippedTicks,
        });
      }
      return;
    }
    const startedAt = Date.now();
    state.skipStreak = 0;
    state.stats.running = true;
    state.stats.lastStartMs = startedAt;
    state.stats.runs++;
    let run: Promise<void>;
    try {
      run = state.job.run();
    } catch (error) {
      run = Promise.reject(error);
    }
    state.current = run
      .catch((error: unknown) => {
        state.stats.crashed++;
        log.error(`SCHEDULER: ${state.job.key}: poll threw: ${(error as Error)?.message ?? String(error)}`, {
          job: state.job.key,
        });
      })
      .finally(() => {
        state.stats.running = false;
        state.stats.lastDurationMs = Date.now() - startedAt;
        state.current = undefined;
      });
  }

  function arm(state: JobState): void {
    state.timer = setInterval(() => tick(state), state.job.intervalMs);
    if (runAtStart) {
      state.immediate = setImmediate(() => {
        state.immediate = undefined;
        tick(state);
      });
    }
  }

  return {
    add(job) {
      if (jobs.has(job.key)) throw new Error(`scheduler job ${job.key} already exists`);
      if (!(Number.isFinite(job.intervalMs) && job.intervalMs > 0)) {
        throw new Error(
          `scheduler job ${job.key}: interval must be a positive number of ms, got ${job.intervalMs}`,
        );
      }
      const state: JobState = {
        job,
        timer: undefined,
        immediate: undefined,
        current: undefined,
        skipStreak: 0,
        stats: {
          intervalMs: job.intervalMs,
          runs: 0,
          skippedTicks: 0,
          crashed: 0,
          running: false,
          lastStartMs: 0,
          lastDurationMs: 0,
        },
      };
      jobs.set(job.key, state);
      if (started) arm(state);
    },
    remove(key) {
      const state = jobs.get(key);
      if (state?.timer) clearInterval(state.timer);
      if (state?.immediate) clearImmediate(state.immediate);
      jobs.delete(key);
    },
    start() {
      if (started) return;
      started = true;
      for (const state of jobs.values()) arm(state);
    },
    async stop(graceMs = 5000) {
      started = false;
      const running: Promise<void>[] = [];
      for (const state of jobs.values()) {
        if (state.timer) clearInterval(state.timer);
        if (state.immediate) clearImmediate(state.immediate);
        state.timer = undefined;
        state.immediate = undefined;
        if (state.current) running.push(state.current);
      }
      if (running.length === 0) return;
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        Promise.all(running),
        new Promise<void>((resolve) => {
          timer = setTimeout(resolve, graceMs);
        }),
      ]);
      clearTimeout(timer);
    },
    stats() {
      const out: Record<string, JobStats> = {};
      for (const [key, state] of jobs) out[key] = { ...state.stats };
      return out;
    },
  };
}
