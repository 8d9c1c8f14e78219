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
 *
 * With `alignToGrid` (on in an HA pair), ticks fall on the whole multiples of each job's
 * interval since the epoch instead of counting from start (src/ha/grid.ts), so two agents
 * poll in the same slots and can time their records by the slot.
 */
import { type GridTimer, startGridTimer } from '../../ha/grid.ts';
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
  /** Tick on the interval grid (multiples of the interval since the epoch). Default false. */
  alignToGrid?: boolean;
}

/** One (poller, server) job: its timer, its run in progress, its counters. */
class ScheduledJob {
  readonly job: SchedulerJob;
  readonly stats: JobStats;
  /** The run in progress, settled without rejecting. */
  current: Promise<void> | undefined;
  readonly #log: Logger;
  #timer: NodeJS.Timeout | GridTimer | undefined;
  #immediate: NodeJS.Immediate | undefined;
  /** Consecutive skipped ticks; the first one of a streak is logged. */
  #skipStreak = 0;

  constructor(job: SchedulerJob, log: Logger) {
    this.job = job;
    this.#log = log;
    this.stats = {
      intervalMs: job.intervalMs,
      runs: 0,
      skippedTicks: 0,
      crashed: 0,
      running: false,
      lastStartMs: 0,
      lastDurationMs: 0,
    };
  }

  /** Starts the interval timer, and a first run on the next turn of the event loop. */
  arm(runAtStart: boolean, alignToGrid: boolean): void {
    this.#timer = alignToGrid
      ? startGridTimer(this.job.intervalMs, () => this.#tick())
      : setInterval(() => this.#tick(), this.job.intervalMs);
    if (runAtStart) {
      this.#immediate = setImmediate(() => {
        this.#immediate = undefined;
        this.#tick();
      });
    }
  }

  disarm(): void {
    if (this.#timer && 'stop' in this.#timer) this.#timer.stop();
    else if (this.#timer) clearInterval(this.#timer);
    if (this.#immediate) clearImmediate(this.#immediate);
    this.#timer = undefined;
    this.#immediate = undefined;
  }

  #tick(): void {
    if (this.current) this.#skip();
    else this.#run();
  }

  #skip(): void {
    this.stats.skippedTicks++;
    this.#skipStreak++;
    // Warn when a streak starts; every further skip in the streak is only counted.
    if (this.#skipStreak === 1) {
      this.#log.warn(`SCHEDULER: ${this.job.key}: previous poll still running, skipping this tick`, {
        job: this.job.key,
        skippedTicks: this.stats.skippedTicks,
      });
    }
  }

  #run(): void {
    const { stats, job } = this;
    const startedAt = Date.now();
    this.#skipStreak = 0;
    stats.running = true;
    stats.lastStartMs = startedAt;
    stats.runs++;
    let run: Promise<void>;
    try {
      run = job.run();
    } catch (error) {
      run = Promise.reject(error);
    }
    this.current = run
      .catch((error: unknown) => {
        stats.crashed++;
        this.#log.error(`SCHEDULER: ${job.key}: poll threw: ${(error as Error)?.message ?? String(error)}`, {
          job: job.key,
        });
      })
      .finally(() => {
        stats.running = false;
        stats.lastDurationMs = Date.now() - startedAt;
        this.current = undefined;
      });
  }
}

export function createScheduler(options: SchedulerOptions): Scheduler {
  const { log } = options;
  const runAtStart = options.runAtStart ?? true;
  const alignToGrid = options.alignToGrid ?? false;
  const jobs = new Map<string, ScheduledJob>();
  let started = false;

  return {
    add(job) {
      if (jobs.has(job.key)) throw new Error(`scheduler job ${job.key} already exists`);
      if (!(Number.isFinite(job.intervalMs) && job.intervalMs > 0)) {
        throw new Error(
          `scheduler job ${job.key}: interval must be a positive number of ms, got ${job.intervalMs}`,
        );
      }
      const scheduled = new ScheduledJob(job, log);
      jobs.set(job.key, scheduled);
      if (started) scheduled.arm(runAtStart, alignToGrid);
    },
    remove(key) {
      jobs.get(key)?.disarm();
      jobs.delete(key);
    },
    start() {
      if (started) return;
      started = true;
      for (const scheduled of jobs.values()) scheduled.arm(runAtStart, alignToGrid);
    },
    async stop(graceMs = 5000) {
      started = false;
      const running: Promise<void>[] = [];
      for (const scheduled of jobs.values()) {
        scheduled.disarm();
        if (scheduled.current) running.push(scheduled.current);
      }
      if (running.length > 0) await settleOrGiveUp(running, graceMs);
    },
    stats() {
      const out: Record<string, JobStats> = {};
      for (const [key, scheduled] of jobs) out[key] = { ...scheduled.stats };
      return out;
    },
  };
}

/** Waits for the runs in progress, at most `graceMs`. */
async function settleOrGiveUp(running: Promise<void>[], graceMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    Promise.all(running),
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, graceMs);
    }),
  ]);
  clearTimeout(timer);
}
