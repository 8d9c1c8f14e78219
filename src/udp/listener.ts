/**
 * The UDP listener shared by the log-event (9996) and user-event (9997) ports
 * (docs/reference/udp-events.md#udp-transport): a large receive buffer, size limit, source
 * allow-list, optional fixed-window rate limit, a bounded queue in front of the handler, and a
 * counter for every datagram's fate, including the kernel's own drops.
 *
 * The handler may be synchronous (the usual case: parse, map, hand to delivery), in which
 * case datagrams never wait; a handler returning a promise occupies one of `maxConcurrent`
 * slots until it settles, and later datagrams wait in the queue (at most `maxSize`).
 *
 * Assembled here from: allowed-sources.ts (the allow-list), intake.ts (what each datagram
 * goes through), datagram-queue.ts (the queue and its backpressure warning), rate-limit.ts,
 * socket.ts (bind, receive buffer, kernel drops) and counters.ts.
 */
import type { RemoteInfo, Socket } from 'node:dgram';
import type { Logger } from '../logging/logger.ts';
import { allowListOf } from './allowed-sources.ts';
import {
  copyCounters,
  countersSince,
  ProcessingTimes,
  type UdpCounters,
  type UdpWindow,
  zeroCounters,
} from './counters.ts';
import { checkQueueLimits, DatagramQueue } from './datagram-queue.ts';
import { createRateLimitedLog } from './drop-log.ts';
import { createEventClock, type EventClock, type EventStamp } from './event-clock.ts';
import { DatagramIntake } from './intake.ts';
import { FixedWindowRateLimit } from './rate-limit.ts';
import {
  bindUdpSocket,
  createUdpSocket,
  type KernelDropWatch,
  logListening,
  watchKernelDrops,
} from './socket.ts';

export { type DatagramDropReason, DROP_REASONS, type UdpCounters, type UdpWindow } from './counters.ts';

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

export async function startUdpListener(opts: UdpListenerOptions): Promise<UdpListener> {
  const name = opts.name ?? 'udp';
  const log = opts.log.child({ listener: name });
  checkQueueLimits(name, opts.queue);
  const intervalMs = opts.logIntervalMs ?? 60_000;
  const allowed = await allowListOf(opts.allowedSources, log);

  const counters = zeroCounters();
  const times = new ProcessingTimes();
  const queue = new DatagramQueue({
    name,
    limits: opts.queue,
    handler: opts.onDatagram,
    counters,
    times,
    log,
    failLog: createRateLimitedLog(log, 'error', intervalMs),
    logIntervalMs: intervalMs,
  });
  const rateLimit = opts.rateLimit?.enable
    ? new FixedWindowRateLimit(opts.rateLimit.maxMessagesPerMinute, opts.rateLimit.windowMs ?? 60_000)
    : undefined;
  const intake = new DatagramIntake({
    name,
    allowed,
    maxMessageSize: opts.maxMessageSize ?? Number.POSITIVE_INFINITY,
    rateLimit,
    queue,
    counters,
    clock: opts.clock ?? createEventClock(),
    dropLog: createRateLimitedLog(log, 'warn', intervalMs),
  });

  const socket = createUdpSocket(opts.receiveBufferBytes);
  socket.on('message', intake.receive.bind(intake));
  await bindUdpSocket(socket, name, opts.host, opts.port);
  socket.on('error', (err) => log.error(`UDP ${name}: socket error`, { error: err.message }));
  logListening(socket, name, opts.receiveBufferBytes, log);
  const kernel = watchKernelDrops(socket.address().port, name, opts.kernelDropCheckMs ?? 10_000, log);
  return new RunningUdpListener({ socket, kernel, counters, times, queue, rateLimit, opts });
}

interface ListenerParts {
  socket: Socket;
  kernel: KernelDropWatch;
  counters: UdpCounters;
  times: ProcessingTimes;
  queue: DatagramQueue;
  rateLimit: FixedWindowRateLimit | undefined;
  opts: UdpListenerOptions;
}

/** The read side (counters, stats, metrics window) and the shutdown of a bound listener. */
class RunningUdpListener implements UdpListener {
  readonly #parts: ListenerParts;
  readonly #bound: { address: string; port: number };
  readonly #receiveBuffer: { requestedBytes: number; obtainedBytes: number };
  #baseline = zeroCounters();
  #closed: Promise<void> | undefined;

  constructor(parts: ListenerParts) {
    this.#parts = parts;
    const { address, port } = parts.socket.address();
    this.#bound = { address, port };
    this.#receiveBuffer = {
      requestedBytes: parts.opts.receiveBufferBytes,
      obtainedBytes: parts.socket.getRecvBufferSize(),
    };
  }

  address(): { address: string; port: number } {
    return { ...this.#bound };
  }

  stats(): UdpListenerStats {
    const { queue, kernel, rateLimit, counters } = this.#parts;
    const k = kernel.read();
    return {
      ...copyCounters(counters),
      receiveBuffer: { ...this.#receiveBuffer },
      kernelDrops: k?.drops,
      kernelRxQueueBytes: k?.rxQueueBytes,
      queueSize: queue.size,
      queuePeak: queue.peak,
      running: queue.running,
      maxSize: queue.maxSize,
      utilizationPct: queue.maxSize === 0 ? 0 : (queue.size / queue.maxSize) * 100,
      backpressureActive: queue.backpressureActive,
      rateLimitCurrent: rateLimit?.perMinute() ?? 0,
    };
  }

  window(): UdpWindow {
    return {
      ...countersSince(this.#parts.counters, this.#baseline),
      processingTimesMs: this.#parts.times.values(),
    };
  }

  resetWindow(): void {
    this.#baseline = copyCounters(this.#parts.counters);
    this.#parts.times.reset();
  }

  close(): Promise<void> {
    this.#closed ??= new Promise<void>((resolve) => {
      this.#parts.kernel.stop();
      this.#parts.socket.close(() => resolve());
    });
    return this.#closed;
  }
}
