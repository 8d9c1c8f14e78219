/**
 * Sends simulated Sense events over UDP: log events (engine, proxy, repository, scheduler,
 * qix-perf) to the log port and user session/connection events to the user port, optionally
 * at a steady rate, with a chosen fraction of malformed datagrams, counting what was sent.
 *
 * Pacing: a 10 ms tick sends however many events are due since the start (rate × elapsed),
 * so the long-run rate is exact whatever the timer jitter; a backlog larger than half a
 * second (a stalled event loop) is skipped and counted rather than sent as one burst, and
 * ticks are skipped while too many sends are still in flight, so memory stays bounded.
 */
import { createSocket, type Socket } from 'node:dgram';
import {
  MALFORMED_LOG_KINDS,
  MALFORMED_USER_KINDS,
  type MalformedLogKind,
  type MalformedUserKind,
  malformedLogDatagram,
  malformedUserDatagram,
} from './datagrams.ts';
import { type EventFactory, LOG_EVENT_KINDS, type LogEventKind, type UserEventKind } from './events.ts';
import type { Random } from './random.ts';

export interface UdpTarget {
  host: string;
  port: number;
}

export interface EmitterOptions {
  udpLog?: UdpTarget | undefined;
  udpUser?: UdpTarget | undefined;
  /** Events per second in total (both ports); 0 = send only on request. */
  rate: number;
  /**
   * Fraction (0..1) of datagrams replaced by a malformed one
   * (docs/reference/udp-events.md#edge-cases-and-bad-input).
   */
  badFraction: number;
  /**
   * Source address per simulated node, so each node's events come from its own IP as on a
   * real cluster. Used only when the target is on the loopback network.
   */
  sourceAddresses?: string[] | undefined;
}

export interface Emitter {
  sendLogEvents(n: number): Promise<void>;
  sendUserEvents(n: number): Promise<void>;
  /** Datagrams sent, by kind (`engine`, `qixPerf`, `userSession`, `badLog.<kind>`, …) and in total. */
  stats(): Record<string, number>;
  stop(): Promise<void>;
}

const TICK_MS = 10;
const MAX_IN_FLIGHT = 20_000;
/** Share of the rate given to log events when both ports are targeted. */
const LOG_SHARE = 0.7;
const LOG_WEIGHTS: [LogEventKind, number][] = [
  ['qixPerf', 0.5],
  ['engine', 0.15],
  ['proxy', 0.15],
  ['repository', 0.1],
  ['scheduler', 0.1],
];

function isLoopback(host: string): boolean {
  return host === 'localhost' || host.startsWith('127.');
}

export function validateRate(rate: number, badFraction: number): void {
  if (!Number.isFinite(rate) || rate < 0) throw new Error(`rate must be a number ≥ 0, got ${rate}`);
  if (!Number.isFinite(badFraction) || badFraction < 0 || badFraction > 1) {
    throw new Error(`badFraction must be between 0 and 1, got ${badFraction}`);
  }
}

class PortSender {
  private readonly sockets: Socket[];
  constructor(sockets: Socket[]) {
    this.sockets = sockets;
  }
  static async open(
    target: UdpTarget,
    nodeCount: number,
    sources: string[] | undefined,
  ): Promise<PortSender> {
    const perNode = sources && sources.length >= nodeCount && isLoopback(target.host);
    const count = perNode ? nodeCount : 1;
    const sockets: Socket[] = [];
    try {
      for (let i = 0; i < count; i++)
        sockets.push(await PortSender.connected(target, perNode ? sources[i] : undefined));
    } catch (err) {
      for (const s of sockets) s.close();
      throw new Error(`cannot send UDP to ${target.host}:${target.port}: ${(err as Error).message}`);
    }
    return new PortSender(sockets);
  }
  private static async connected(target: UdpTarget, source: string | undefined): Promise<Socket> {
    const socket = createSocket('udp4');
    // Unreachable-port errors (ICMP) are reported per send; never let them crash the process.
    socket.on('error', () => {});
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind({ address: source, port: 0 }, () => {
        socket.off('error', reject);
        resolve();
      });
    });
    // Connected sockets skip the address lookup per send, which matters at 50 000/s.
    try {
      await new Promise<void>((resolve, reject) => {
        socket.connect(target.port, target.host, (err?: Error) => (err ? reject(err) : resolve()));
      });
    } catch (err) {
      socket.close();
      throw err;
    }
    return socket;
  }
  send(node: number, payload: Buffer | string, done: (err: Error | null) => void): void {
    const socket = this.sockets[node % this.sockets.length] as Socket;
    socket.send(payload, (err) => done(err ?? null));
  }
  close(): void {
    for (const s of this.sockets) s.close();
  }
}

export async function startEmitter(
  options: EmitterOptions,
  factory: EventFactory,
  rng: Random,
): Promise<Emitter> {
  validateRate(options.rate, options.badFraction);
  const counts: Record<string, number> = {};
  const bump = (key: string, by = 1): void => {
    counts[key] = (counts[key] ?? 0) + by;
  };
  const logSender = options.udpLog
    ? await PortSender.open(options.udpLog, factory.nodeCount, options.sourceAddresses)
    : null;
  let userSender: PortSender | null = null;
  try {
    userSender = options.udpUser
      ? await PortSender.open(options.udpUser, factory.nodeCount, options.sourceAddresses)
      : null;
  } catch (err) {
    logSender?.close();
    throw err;
  }

  // Malformed datagrams are constant per kind: build each once.
  const badLog = new Map<MalformedLogKind, Buffer>(
    MALFORMED_LOG_KINDS.map((k) => [k, malformedLogDatagram(k)]),
  );
  const badUser = new Map<MalformedUserKind, Buffer>(
    MALFORMED_USER_KINDS.map((k) => [k, malformedUserDatagram(k)]),
  );

  let stopped = false;
  let inFlight = 0;
  const waiters: (() => void)[] = [];
  const settle = (): void => {
    inFlight -= 1;
    if (inFlight === 0) for (const w of waiters.splice(0)) w();
  };
  const drained = (): Promise<void> =>
    inFlight === 0 ? Promise.resolve() : new Promise((resolve) => waiters.push(resolve));

  type Done = (() => void) | undefined;
  const dispatch = (
    sender: PortSender,
    node: number,
    payload: Buffer | string,
    kind: string,
    port: string,
    done: Done,
  ) => {
    inFlight += 1;
    sender.send(node, payload, (err) => {
      if (err) bump('sendErrors');
      else {
        bump(kind);
        bump(port);
        if (kind.startsWith('bad')) bump(kind.slice(0, kind.indexOf('.')));
        bump('total');
        bump('bytes', typeof payload === 'string' ? Buffer.byteLength(payload) : payload.length);
      }
      settle();
      done?.();
    });
  };

  const pickLogKind = (): LogEventKind => {
    let r = rng.next();
    for (const [kind, weight] of LOG_WEIGHTS) {
      r -= weight;
      if (r < 0) return kind;
    }
    return LOG_EVENT_KINDS[0];
  };

  const sendOneLog = (sender: PortSender, done?: Done): void => {
    const node = factory.pickNode();
    if (options.badFraction > 0 && rng.next() < options.badFraction) {
      const kind = rng.pick(MALFORMED_LOG_KINDS);
      dispatch(sender, node, badLog.get(kind) as Buffer, `badLog.${kind}`, 'logDatagrams', done);
      return;
    }
    const kind = pickLogKind();
    dispatch(sender, node, factory.logEvent(kind, node), kind, 'logDatagrams', done);
  };

  const sendOneUser = (sender: PortSender, done?: Done): void => {
    const node = factory.pickNode();
    if (options.badFraction > 0 && rng.next() < options.badFraction) {
      const kind = rng.pick(MALFORMED_USER_KINDS);
      dispatch(sender, node, badUser.get(kind) as Buffer, `badUser.${kind}`, 'userDatagrams', done);
      return;
    }
    const preferred: UserEventKind = rng.chance(0.35) ? 'userSession' : 'userConnection';
    const { kind, datagram } = factory.userEvent(preferred, node);
    dispatch(sender, node, datagram, kind, 'userDatagrams', done);
  };

  const checkCount = (n: number): void => {
    if (stopped) throw new Error('the simulator has been stopped');
    if (!Number.isInteger(n) || n < 0) throw new Error(`event count must be a whole number ≥ 0, got ${n}`);
  };

  /** Sends n datagrams in chunks, each awaited, so a large n never piles up in memory. */
  const sendMany = async (n: number, one: (done: () => void) => void): Promise<void> => {
    for (let sent = 0; sent < n; ) {
      const chunk = Math.min(n - sent, 5000);
      sent += chunk;
      await new Promise<void>((resolve) => {
        let left = chunk;
        for (let i = 0; i < chunk; i++) one(() => --left === 0 && resolve());
      });
    }
  };

  // Steady-rate sending.
  let timer: NodeJS.Timeout | null = null;
  if (options.rate > 0 && (logSender || userSender)) {
    const start = performance.now();
    let scheduled = 0;
    const logShare = logSender && userSender ? LOG_SHARE : logSender ? 1 : 0;
    timer = setInterval(() => {
      const due = Math.floor((options.rate * (performance.now() - start)) / 1000) - scheduled;
      if (due <= 0) return;
      if (inFlight > MAX_IN_FLIGHT) return; // the kernel is not keeping up; try next tick
      const cap = Math.max(1000, Math.ceil(options.rate / 2));
      let n = due;
      if (n > cap) {
        bump('pacingSkipped', n - cap);
        n = cap;
      }
      scheduled += due;
      for (let i = 0; i < n; i++) {
        if (logSender && (!userSender || rng.next() < logShare)) sendOneLog(logSender);
        else if (userSender) sendOneUser(userSender);
      }
    }, TICK_MS);
  }

  return {
    async sendLogEvents(n) {
      checkCount(n);
      if (!logSender) throw new Error('no log-event target: start the simulator with udpLog');
      await sendMany(n, (done) => sendOneLog(logSender, done));
    },
    async sendUserEvents(n) {
      checkCount(n);
      if (!userSender) throw new Error('no user-event target: start the simulator with udpUser');
      await sendMany(n, (done) => sendOneUser(userSender, done));
    },
    stats: () => ({ ...counts }),
    async stop() {
      if (stopped) return;
      stopped = true;
      if (timer) clearInterval(timer);
      await drained();
      logSender?.close();
      userSender?.close();
    },
  };
}
