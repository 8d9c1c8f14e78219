/**
 * The local store's queries for the web UI, run in a worker thread with its own read-only
 * connection to the database file, so that no query, however large, blocks the event loop that
 * receives UDP datagrams and delivers records (SQLite's WAL mode lets it read while the store
 * writes). One query runs at a time; a few may wait; each request has a time cap, enforced
 * inside SQLite by the statements themselves (statement-runner.ts) and, as a backstop, by
 * terminating the worker. The worker starts with the first query and ends after a minute
 * without one, so an agent whose UI nobody looks at does not keep it.
 *
 * The worker's code is the source text of two functions of this folder, not a file of its
 * own: the production build and the single executable have no separate worker file to load.
 */
import { Worker } from 'node:worker_threads';
import {
  type PlannedStatement,
  QUERY_LIMITS,
  type Row,
  StoreBusyError,
  StoreQueryError,
  TIME_CAP_MARKER,
} from './queries.ts';
import { type StatementRunner, statementRunner } from './statement-runner.ts';

export interface QueryWorkerOptions {
  /** The database file (the store's; WAL mode). */
  file: string;
  /** Time cap of one request (default QUERY_LIMITS.timeCapMs). */
  capMs?: number;
  /** Requests that may wait while one runs (default 16); more are refused as busy. */
  maxWaiting?: number;
  /** The worker ends after this long without a query (default 60 s). */
  idleMs?: number;
  /** Prepared statements cached per connection (default 64). */
  cacheSize?: number;
}

export interface QueryExecutor {
  run(statements: PlannedStatement[]): Promise<Row[][]>;
  close(): Promise<void>;
}

interface Job {
  id: number;
  statements: PlannedStatement[];
  resolve(rows: Row[][]): void;
  reject(error: Error): void;
  /** Refuses the job if it waited too long, or stops the worker if it ran too long. */
  timer?: NodeJS.Timeout;
}

type Reply = { id: number; rows?: Row[][]; error?: string };

/**
 * Runs in the worker: opens the database read-only and answers jobs with the statement runner.
 * After as many statements have left the cache as it holds, the connection is closed and
 * opened again, which frees their memory at once (see StatementRunner.evicted).
 */
function queryWorkerMain(makeRunner: typeof statementRunner, marker: string): void {
  const { parentPort, workerData } = process.getBuiltinModule('node:worker_threads');
  const { DatabaseSync } = process.getBuiltinModule('node:sqlite');
  let db = new DatabaseSync(workerData.file, { readOnly: true, timeout: 2000 });
  let runner: StatementRunner = makeRunner(db, workerData.cacheSize, marker);
  parentPort!.on('message', (job: { id: number; statements: PlannedStatement[]; capMs: number }) => {
    try {
      parentPort!.postMessage({ id: job.id, rows: runner.run(job.statements, job.capMs) });
    } catch (error) {
      parentPort!.postMessage({ id: job.id, error: String((error as Error)?.message ?? error) });
    }
    if (runner.evicted >= workerData.cacheSize) {
      db.close();
      db = new DatabaseSync(workerData.file, { readOnly: true, timeout: 2000 });
      runner = makeRunner(db, workerData.cacheSize, marker);
    }
  });
}

const WORKER_SOURCE = `(${queryWorkerMain.toString()})(${statementRunner.toString()}, ${JSON.stringify(TIME_CAP_MARKER)});`;

/** The error a request gets for what the worker reported. */
export function queryError(message: string, capMs: number): Error {
  if (message.includes(TIME_CAP_MARKER)) {
    return new StoreQueryError(
      `the query was stopped at its time cap of ${capMs} ms; ask for a shorter time range, fewer series or a narrower filter`,
    );
  }
  return new Error(`local store query failed: ${message}`);
}

export function createQueryWorker(options: QueryWorkerOptions): QueryExecutor {
  const capMs = options.capMs ?? QUERY_LIMITS.timeCapMs;
  const maxWaiting = options.maxWaiting ?? 16;
  const idleMs = options.idleMs ?? 60_000;
  const waiting: Job[] = [];
  let running: Job | undefined;
  let worker: Worker | undefined;
  let idleTimer: NodeJS.Timeout | undefined;
  let nextId = 1;
  let closed = false;

  const spawn = (): Worker => {
    const w = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { file: options.file, cacheSize: options.cacheSize ?? 64 },
      // The worker holds one connection and a statement cache: little heap is needed.
      resourceLimits: { maxOldGenerationSizeMb: 64, maxYoungGenerationSizeMb: 8 },
    });
    w.unref();
    w.on('message', (reply: Reply) => finish(reply));
    w.on('error', (error) => lost(w, error.message));
    w.on('exit', () => lost(w, 'the query worker ended'));
    return w;
  };
  /** The worker died or was stopped: the running job fails, the next job gets a new worker. */
  const lost = (w: Worker, reason: string) => {
    if (worker !== w) return;
    worker = undefined;
    const job = running;
    running = undefined;
    if (job) settle(job, () => job.reject(new Error(`local store query failed: ${reason}`)));
    startNext();
  };
  const settle = (job: Job, done: () => void) => {
    if (job.timer) clearTimeout(job.timer);
    done();
  };
  const finish = (reply: Reply) => {
    const job = running;
    if (!job || job.id !== reply.id) return;
    running = undefined;
    settle(job, () =>
      reply.error === undefined ? job.resolve(reply.rows ?? []) : job.reject(queryError(reply.error, capMs)),
    );
    startNext();
  };
  const startNext = () => {
    if (running || closed) return;
    const job = waiting.shift();
    if (!job) {
      idleTimer = setTimeout(() => void stopWorker(), idleMs).unref();
      return;
    }
    if (idleTimer) clearTimeout(idleTimer);
    if (job.timer) clearTimeout(job.timer);
    running = job;
    worker ??= spawn();
    // Backstop: the statements stop themselves at the cap; a worker still busy a second later is
    // given up (it ends when SQLite returns) and the next query gets a new one.
    job.timer = setTimeout(() => {
      if (running !== job) return;
      const stuck = worker;
      worker = undefined;
      running = undefined;
      job.reject(queryError(TIME_CAP_MARKER, capMs));
      void stuck?.terminate();
      startNext();
    }, capMs + 1000).unref();
    worker.postMessage({ id: job.id, statements: job.statements, capMs });
  };
  const stopWorker = async () => {
    const w = worker;
    if (!w) return;
    await w.terminate();
  };

  return {
    run(statements) {
      if (closed) return Promise.reject(new Error('local store is closed'));
      if (waiting.length >= maxWaiting) {
        return Promise.reject(
          new StoreBusyError(`local store busy: ${maxWaiting} queries are already waiting`),
        );
      }
      return new Promise<Row[][]>((resolve, reject) => {
        const job: Job = { id: nextId++, statements, resolve, reject };
        // A request that waits a whole time cap is refused rather than answered late.
        job.timer = setTimeout(() => {
          const at = waiting.indexOf(job);
          if (at === -1) return;
          waiting.splice(at, 1);
          reject(new StoreBusyError(`local store busy: the query waited ${capMs} ms without starting`));
        }, capMs).unref();
        waiting.push(job);
        startNext();
      });
    },
    async close() {
      closed = true;
      if (idleTimer) clearTimeout(idleTimer);
      for (const job of waiting.splice(0)) settle(job, () => job.reject(new Error('local store is closed')));
      await stopWorker();
    },
  };
}
