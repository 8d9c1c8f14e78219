/**
 * The UDP listener shared by the log-event (9996) and user-event (9997) ports
 * (docs/reference/udp-events.md#udp-transport): a large receive buffer, size limit, source
 * allow-list, optional fixed-window rate limit, a bounded queue in front of the handler, and a
 * counter for every datagram's fate, including the kernel's own drops.
 *
 * The handler may be synchronous (the usual case: parse, map, hand to delivery), in which
 * case datagrams never wait; a handler returning a promise occupies one of `maxConcurrent`
 * slots until it settles, and later datagrams wait in the queue (at most `maxSize`).
 */
import dgram, { type RemoteInfo } from 'node:dgram';
import { lookup } from 'node:dns/promises';
import { isIPv4 } from 'node:net';
import type { Logger } from '../logging/logger.ts';
import { createRateLimitedLog } from './drop-log.ts';
import { createEventClock, type EventClock, type EventStamp } from './event-clock.ts';
import { kernelCountersReader } from './kernel-drops.ts';

export type DropReason = 'too_large' | 'source_not_allowed' | 'rate_limited' | 'queue_full';
export const DROP_REASONS: readonly DropReason[] = [
  'too_large',
  'source_not_allowed',
  'rate_limited',
  'queue_full',
];

export interface UdpListenerOptions {
  /** Used in log lines and as the queue type (`log_events`, `user_events`). */
  name?: string;
  host: string;
  port: number;
  /** SO_RCVBUF to ask for; the kernel may grant less (Linux caps at net.core.rmem_max). */
  receiveBufferBytes: number;
  /** Larger datagrams are dropped; null/undefined = no limit (v15). */
  maxMessageSize?: number | null;
  /** Allowed sender IPv4 addresses or host names (v15 `allowedSources`, only when validation is on). */
  allowedSources?: readonly string[] | null;
  rateLimit?: { enable: boolean; maxMessagesPerMinute: number; windowMs?: number } | null;
  queue: { maxConcurrent: number; maxSize: number; backpressureThreshold: number };
  onDatagram(buf: Buffer, rinfo: RemoteInfo, stamp: EventStamp): void | Promise<void>;
  log: Logger;
  /** How often to look at the kernel drop counter and warn when it grew (ms). */
  kernelDropCheckMs?: number;
  /** Interval for rate-limited drop/backpressure logs (ms); upstream uses 60 s. */
  logIntervalMs?: number;
  clock?: EventClock;
}

export interface UdpCounters {
  received: number;
  /** Accepted into the queue (run at once or waiting): upstream's `messages_queued`. */
  accepted: number;
  processed: number;
  failed: number;
  dropped: Record<DropReason, number>;
  droppedTotal: number;
}

export interface UdpListenerStats extends UdpCounters {
  receiveBuffer: { requestedBytes: number; obtainedBytes: number };
  /** Kernel drops since the socket opened (Linux), undefined where the OS does not tell. */
  kernelDrops: number | undefined;
  kernelRxQueueBytes: number | undefined;
  queueSize: number;
  queuePeak: number;
  running: number;
  maxSize: number;
  utilizationPct: number;
  backpressureActive: boolean;
  /** Messages in the current rate-limit window projected to a per-minute rate (0 when off/expired). */
  rateLimitCurrent: number;
}

/** Counters since the last `resetWindow()` and the processing times of that window (queue metrics). */
export interface UdpWindow extends UdpCounters {
  processingTimesMs: number[];
}

export interface UdpListener {
  address(): { address: string; port: number };
  stats(): UdpListenerStats;
  /**
   * Deltas since the previous reset (docs/reference/influxdb.md#udp-queue-metrics resets after each
   * successful write).
   */
  window(): UdpWindow;
  resetWindow(): void;
  close(): Promise<void>;
}

const PROCESSING_WINDOW = 1000;

interface Waiting {
  buf: Buffer;
  rinfo: RemoteInfo;
  stamp: EventStamp;
}

function zeroCounters(): UdpCounters {
  return {
    received: 0,
    accepted: 0,
    processed: 0,
    failed: 0,
    dropped: { too_large: 0, source_not_allowed: 0, rate_limited: 0, queue_full: 0 },
    droppedTotal: 0,
  };
}

/** Resolve the allow-list once (v15): IPv4 literals as-is, names via DNS A records. */
async function resolveAllowedSources(entries: readonly string[], log: Logger): Promise<Set<string>> {
  const allowed = new Set<string>();
  await Promise.all(
    entries.map(async (entry) => {
      const name = String(entry).trim();
      if (isIPv4(name)) {
        allowed.add(name);
        return;
      }
      let timer: NodeJS.Timeout | undefined;
      try {
        // A resolver that never answers must not hold up start-up.
        const timeout = new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error('DNS lookup timed out after 5 s')), 5000);
        });
        const addresses = await Promise.race([lookup(name, { family: 4, all: true }), timeout]);
        for (const a of addresses) allowed.add(a.address);
      } catch (err) {
        log.error(`UDP allowed source '${name}' could not be resolved; skipped`, {
          error: (err as Error).message,
        });
      } finally {
        clearTimeout(timer);
      }
    }),
  );
  return allowed;
}

export async function startUdpListener(opts: UdpListenerOptions): Promise<UdpListener> {
  const name = opts.name ?? 'udp';
  const log = opts.log.child({ listener: name });
  const { maxConcurrent, maxSize, backpressureThreshold } = opts.queue;
  if (!Number.isInteger(maxConcurrent) || maxConcurrent < 1) {
    throw new Error(
      `UDP listener ${name}: messageQueue.maxConcurrent must be an integer ≥ 1 (got ${maxConcurrent})`,
    );
  }
  if (!Number.isInteger(maxSize) || maxSize < 0) {
    throw new Error(`UDP listener ${name}: messageQueue.maxSize must be an integer ≥ 0 (got ${maxSize})`);
  }
  const maxMessageSize = opts.maxMessageSize ?? Number.POSITIVE_INFINITY;
  const intervalMs = opts.logIntervalMs ?? 60_000;
  const clock = opts.clock ?? createEventClock();

  let allowed: Set<string> | undefined;
  if (opts.allowedSources != null) {
    allowed = await resolveAllowedSources(opts.allowedSources, log);
    if (allowed.size === 0) {
      log.warn(
        'UDP source validation is on but no allowed source resolved; accepting every sender (as upstream)',
      );
      allowed = undefined;
    } else {
      log.info('UDP source validation active', { allowed: [...allowed] });
    }
  }

  const rateLimit = opts.rateLimit?.enable ? opts.rateLimit : undefined;
  const rateWindowMs = rateLimit?.windowMs ?? 60_000;
  let rateWindowStart = Date.now();
  let rateWindowCount = 0;

  const totals = zeroCounters();
  let baseline = zeroCounters();
  const times = new Float64Array(PROCESSING_WINDOW);
  let timesCount = 0;

  const waiting: (Waiting | undefined)[] = [];
  let head = 0;
  let running = 0;
  let queuePeak = 0;
  let backpressureActive = false;
  let lastBackpressureWarn = -Infinity;

  const dropLog = createRateLimitedLog(log, 'warn', intervalMs);
  const failLog = createRateLimitedLog(log, 'error', intervalMs);

  const socket = dgram.createSocket({
    type: 'udp4',
    reuseAddr: false,
    recvBufferSize: opts.receiveBufferBytes,
  });

  function drop(reason: DropReason, rinfo: RemoteInfo, size: number): void {
    totals.dropped[reason]++;
    totals.droppedTotal++;
    const kind = reason === 'source_not_allowed' ? `${reason}:${rinfo.address}` : reason;
    dropLog.note(kind, `UDP ${name}: datagram dropped (${reason})`, {
      reason,
      from: rinfo.address,
      bytes: size,
    });
  }

  function waitingCount(): number {
    return waiting.length - head;
  }

  function recordTime(ms: number): void {
    times[timesCount % PROCESSING_WINDOW] = ms;
    timesCount++;
  }

  function finished(started: number, ok: boolean): void {
    running--;
    if (ok) {
      totals.processed++;
      recordTime(performance.now() - started);
    } else totals.failed++;
  }

  function failed(err: unknown): void {
    failLog.note('handler', `UDP ${name}: error handling datagram`, {
      error: (err as Error)?.message ?? String(err),
    });
  }

  /** Run one datagram; a promise-returning handler keeps its slot until it settles. */
  function run(item: Waiting): void {
    running++;
    const started = performance.now();
    let result: void | Promise<void>;
    try {
      result = opts.onDatagram(item.buf, item.rinfo, item.stamp);
    } catch (err) {
      finished(started, false);
      failed(err);
      return;
    }
    if (result !== undefined && typeof (result as Promise<void>).then === 'function') {
      (result as Promise<void>).then(
        () => {
          finished(started, true);
          drain();
        },
        (err: unknown) => {
          finished(started, false);
          failed(err);
          drain();
        },
      );
    } else finished(started, true);
  }

  function drain(): void {
    while (running < maxConcurrent && head < waiting.length) {
      const item = waiting[head]!;
      waiting[head++] = undefined;
      run(item);
    }
    if (head > 1024 && head * 2 > waiting.length) {
      waiting.splice(0, head);
      head = 0;
    }
  }

  function evaluateBackpressure(): void {
    if (maxSize === 0) return;
    const utilization = (waitingCount() / maxSize) * 100;
    const now = Date.now();
    if (utilization >= backpressureThreshold) {
      if (!backpressureActive || now - lastBackpressureWarn >= intervalMs) {
        log.warn(
          backpressureActive
            ? `UDP ${name}: queue backpressure continues`
            : `UDP ${name}: queue backpressure`,
          { utilizationPct: Math.round(utilization), waiting: waitingCount(), maxSize },
        );
        lastBackpressureWarn = now;
      }
      backpressureActive = true;
    } else if (backpressureActive && utilization < backpressureThreshold * 0.8) {
      backpressureActive = false;
      log.info(`UDP ${name}: queue backpressure cleared`, { utilizationPct: Math.round(utilization) });
    }
  }

  socket.on('message', (buf, rinfo) => {
    const stamp = clock.next();
    // v15: senders outside the allow-list are dropped before anything else (and, as upstream, not counted as received).
    if (allowed !== undefined && !allowed.has(rinfo.address)) {
      drop('source_not_allowed', rinfo, buf.length);
      return;
    }
    totals.received++;
    if (buf.length > maxMessageSize) {
      drop('too_large', rinfo, buf.length);
      return;
    }
    if (rateLimit !== undefined) {
      const now = Date.now();
      if (now - rateWindowStart >= rateWindowMs) {
        rateWindowStart = now;
        rateWindowCount = 0;
      }
      if (rateWindowCount >= rateLimit.maxMessagesPerMinute) {
        drop('rate_limited', rinfo, buf.length);
        return;
      }
    }
    const item: Waiting = { buf, rinfo, stamp };
    if (running < maxConcurrent && head === waiting.length) {
      rateWindowCount++;
      totals.accepted++;
      if (backpressureActive) evaluateBackpressure();
      run(item);
      return;
    }
    if (waitingCount() >= maxSize) {
      drop('queue_full', rinfo, buf.length);
      return;
    }
    rateWindowCount++;
    totals.accepted++;
    evaluateBackpressure();
    waiting.push(item);
    if (waitingCount() > queuePeak) queuePeak = waitingCount();
  });

  await new Promise<void>((resolve, reject) => {
    const onError = (err: Error) => {
      socket.close();
      reject(new Error(`UDP listener ${name}: cannot bind ${opts.host}:${opts.port}: ${err.message}`));
    };
    socket.once('error', onError);
    socket.bind({ address: opts.host, port: opts.port, exclusive: true }, () => {
      socket.off('error', onError);
      resolve();
    });
  });
  socket.on('error', (err) => log.error(`UDP ${name}: socket error`, { error: err.message }));

  const obtainedBytes = socket.getRecvBufferSize();
  const bound = socket.address();
  const logFields = {
    address: bound.address,
    port: bound.port,
    requestedBytes: opts.receiveBufferBytes,
    obtainedBytes,
  };
  // Linux reports twice the usable size it granted (bookkeeping overhead), capped by net.core.rmem_max.
  if (obtainedBytes < opts.receiveBufferBytes) {
    log.warn(
      `UDP ${name}: receive buffer smaller than requested; bursts may be lost (raise net.core.rmem_max on Linux)`,
      logFields,
    );
  } else log.info(`UDP ${name}: listening`, logFields);

  const readKernel = kernelCountersReader(bound.port);
  let lastKernelDrops = readKernel()?.drops ?? 0;
  const kernelTimer = setInterval(() => {
    const k = readKernel();
    if (k !== undefined && k.drops > lastKernelDrops) {
      log.warn(`UDP ${name}: the kernel dropped datagrams (receive buffer full)`, {
        dropped: k.drops - lastKernelDrops,
        totalKernelDrops: k.drops,
      });
      lastKernelDrops = k.drops;
    }
  }, opts.kernelDropCheckMs ?? 10_000);
  kernelTimer.unref();

  function counters(): UdpCounters {
    return { ...totals, dropped: { ...totals.dropped } };
  }

  let closed: Promise<void> | undefined;
  return {
    address: () => ({ address: bound.address, port: bound.port }),
    stats() {
      const k = readKernel();
      let rateLimitCurrent = 0;
      if (rateLimit !== undefined) {
        const elapsed = Date.now() - rateWindowStart;
        if (elapsed < rateWindowMs && elapsed > 0)
          rateLimitCurrent = Math.round((rateWindowCount / elapsed) * 60_000);
      }
      return {
        ...counters(),
        receiveBuffer: { requestedBytes: opts.receiveBufferBytes, obtainedBytes },
        kernelDrops: k?.drops,
        kernelRxQueueBytes: k?.rxQueueBytes,
        queueSize: waitingCount(),
        queuePeak,
        running,
        maxSize,
        utilizationPct: maxSize === 0 ? 0 : (waitingCount() / maxSize) * 100,
        backpressureActive,
        rateLimitCurrent,
      };
    },
    window() {
      const d = totals.dropped;
      const b = baseline.dropped;
      const n = Math.min(timesCount, PROCESSING_WINDOW);
      const processingTimesMs: number[] = [];
      for (let i = 0; i < n; i++) processingTimesMs.push(times[i]!);
      return {
        received: totals.received - baseline.received,
        accepted: totals.accepted - baseline.accepted,
        processed: totals.processed - baseline.processed,
        failed: totals.failed - baseline.failed,
        dropped: {
          too_large: d.too_large - b.too_large,
          source_not_allowed: d.source_not_allowed - b.source_not_allowed,
          rate_limited: d.rate_limited - b.rate_limited,
          queue_full: d.queue_full - b.queue_full,
        },
        droppedTotal: totals.droppedTotal - baseline.droppedTotal,
        processingTimesMs,
      };
    },
    resetWindow() {
      baseline = counters();
      timesCount = 0;
    },
    close() {
      closed ??= new Promise<void>((resolve) => {
        clearInterval(kernelTimer);
        socket.close(() => resolve());
      });
      return closed;
    },
  };
}
