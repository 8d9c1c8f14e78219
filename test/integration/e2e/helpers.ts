/**
 * Shared pieces of the end-to-end fault tests: a paced stream of engine log events, each
 * carrying a unique id in its message, and counters of what arrived in InfluxDB (rows and
 * distinct messages) or at an MQTT subscriber (ids seen, duplicates).
 */
import { createSocket } from 'node:dgram';
import mqtt, { type MqttClient } from 'mqtt';
import { engineLogDatagram } from '../../../sim/datagrams.ts';
import { queryInflux } from '../../support/services.ts';

export interface EventStream {
  /** Datagrams handed to the socket without error so far. */
  sent(): number;
  /** Datagrams the socket refused (e.g. ICMP port unreachable while the agent is down). */
  errors(): number;
  /** Stops sending; resolves with the number sent. */
  stop(): Promise<number>;
  /** Resolves when `count` datagrams were sent (or the stream stopped). */
  untilSent(count: number): Promise<void>;
}

/** The message text of event number `n` of run `runId`; `idOf` reads it back. */
export function messageFor(runId: string, n: number): string {
  return `e2e ${runId} event #${n}`;
}

export function idOf(runId: string, message: string): number | undefined {
  const match = new RegExp(`^e2e ${runId} event #(\\d+)$`).exec(message);
  return match ? Number(match[1]) : undefined;
}

/**
 * Sends engine log events to 127.0.0.1:`port` at `ratePerSecond`, paced per 10 ms tick,
 * until `total` are sent or stop() is called. Each message is unique (`messageFor`), the row
 * number cycles 1..9999 like log4net's `%rownum{9999}` (so the `log_row` tag stays bounded).
 */
export function startEventStream(options: {
  port: number;
  ratePerSecond: number;
  runId: string;
  total?: number;
}): EventStream {
  const { port, ratePerSecond, runId } = options;
  const total = options.total ?? Number.POSITIVE_INFINITY;
  const socket = createSocket('udp4');
  // A connected UDP socket reports ICMP "port unreachable" as send errors: counted, not thrown.
  socket.on('error', () => {});
  let next = 0;
  let sent = 0;
  let errors = 0;
  let pending = 0;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let waiters: { count: number; resolve: () => void }[] = [];
  let closed: Promise<void> | undefined;

  const notify = () => {
    waiters = waiters.filter((w) => {
      if (sent >= w.count || stopped) w.resolve();
      return !(sent >= w.count || stopped);
    });
  };
  const onSent = (error: Error | null) => {
    pending--;
    if (error) errors++;
    else sent++;
    notify();
  };

  const ready = new Promise<void>((resolve) => socket.connect(port, '127.0.0.1', resolve));
  void ready.then(() => {
    if (stopped) return;
    const start = performance.now();
    timer = setInterval(() => {
      const due = Math.min(total, Math.floor((ratePerSecond * (performance.now() - start)) / 1000));
      while (next < due) {
        const n = next++;
        pending++;
        socket.send(engineLogDatagram({ rownum: (n % 9999) + 1, message: messageFor(runId, n) }), onSent);
      }
      if (next >= total) finish();
    }, 10);
  });

  function finish(): Promise<void> {
    stopped = true;
    if (timer) clearInterval(timer);
    timer = undefined;
    closed ??= (async () => {
      await ready;
      while (pending > 0) await new Promise((resolve) => setTimeout(resolve, 5));
      socket.close();
      notify();
    })();
    return closed;
  }

  return {
    sent: () => sent,
    errors: () => errors,
    async stop() {
      await finish();
      return sent;
    },
    untilSent(count) {
      if (sent >= count || stopped) return Promise.resolve();
      return new Promise((resolve) => waiters.push({ count, resolve }));
    },
  };
}

export interface StoredCount {
  /** Points in `log_event` of the database's default retention policy (where dashboards look). */
  rows: number;
  /** Distinct messages among them. */
  distinct: number;
  /**
   * Points in `autogen` instead: written after CREATE DATABASE but before the configured
   * retention policy was made the default, so invisible to queries of the default one.
   */
  inAutogen: number;
}

/** Rows and distinct messages of `log_event` (0 when the measurement does not exist yet). */
export async function storedLogEvents(influxUrl: string, db: string): Promise<StoredCount> {
  const count = async (select: string, from = 'log_event') => {
    const series = await queryInflux(influxUrl, db, `SELECT ${select} FROM ${from}`);
    return Number(series[0]?.values[0]?.[1] ?? 0);
  };
  return {
    rows: await count('count(message)'),
    distinct: await count('count(distinct(message))'),
    inAutogen: await count('count(message)', '"autogen"."log_event"'),
  };
}

/** Every message of `log_event` (for a closer look at what is missing or doubled). */
export async function storedMessages(influxUrl: string, db: string): Promise<string[]> {
  const series = await queryInflux(influxUrl, db, 'SELECT message FROM log_event');
  return (series[0]?.values ?? []).map((row) => String(row[1]));
}

export interface Subscriber {
  /** Distinct event ids received. */
  ids: Set<number>;
  /** Messages received in all (duplicates included). */
  received(): number;
  close(): Promise<void>;
}

/**
 * A QoS 1 subscriber on `topic` with a persistent session (fixed client id, clean: false), so
 * that messages published while it is disconnected (broker restart) are kept for it.
 */
export async function subscribe(options: {
  url: string;
  topic: string;
  clientId: string;
  runId: string;
}): Promise<Subscriber> {
  const client: MqttClient = mqtt.connect(options.url, {
    clientId: options.clientId,
    clean: false,
    reconnectPeriod: 200,
    connectTimeout: 5_000,
  });
  client.on('error', () => {});
  const ids = new Set<number>();
  let received = 0;
  client.on('message', (_topic, payload) => {
    received++;
    try {
      const body = JSON.parse(payload.toString('utf8')) as { message?: unknown };
      const id = typeof body.message === 'string' ? idOf(options.runId, body.message) : undefined;
      if (id !== undefined) ids.add(id);
    } catch {
      // Not a log event of this run: ignored.
    }
  });
  await new Promise<void>((resolve, reject) => {
    client.once('connect', () => resolve());
    client.once('error', reject);
  });
  await client.subscribeAsync(options.topic, { qos: 1 });
  return {
    ids,
    received: () => received,
    close: () => client.endAsync(),
  };
}

// ---------------------------------------------------------------------------------------
// Destination faults (destination-faults.test.ts): one-off datagrams, the fake InfluxDB's
// request times and stored events, the agent's own delivery metrics, log line counts.

/** Sends each datagram once to 127.0.0.1:`port`, in order; resolves when all were handed over. */
export async function sendDatagrams(port: number, datagrams: readonly string[]): Promise<void> {
  const socket = createSocket('udp4');
  socket.on('error', () => {});
  await new Promise<void>((resolve) => socket.connect(port, '127.0.0.1', resolve));
  for (const datagram of datagrams) {
    await new Promise<void>((resolve, reject) =>
      socket.send(datagram, (error) => (error ? reject(error) : resolve())),
    );
  }
  await new Promise<void>((resolve) => socket.close(resolve));
}

export interface TimedRequest {
  path: string;
  status: number;
  /** performance.now() when the fake answered (with no injected delay: when it arrived). */
  at: number;
}

/**
 * Notes when each request to a fake InfluxDB was answered: the fake's request log has no
 * times, so its `requests.push` is wrapped (on this one array only) to stamp each entry.
 */
export function timeRequests(fake: { requests: { path: string; status: number }[] }): TimedRequest[] {
  const timed: TimedRequest[] = [];
  const log = fake.requests;
  const push = log.push.bind(log);
  log.push = (...entries) => {
    for (const entry of entries)
      timed.push({ path: entry.path, status: entry.status, at: performance.now() });
    return push(...entries);
  };
  return timed;
}

export interface FakeStoredEvents {
  /** `log_event` points of this run stored by the fake (duplicates included). */
  points: number;
  /** Distinct event ids among them. */
  ids: Set<number>;
}

/** Log events of run `runId` that a fake InfluxDB stored (it keeps every point, even repeats). */
export function fakeStoredEvents(
  fake: { points: { measurement: string; fields: Record<string, { value: unknown }> }[] },
  runId: string,
): FakeStoredEvents {
  let points = 0;
  const ids = new Set<number>();
  for (const point of fake.points) {
    const message = point.fields.message?.value;
    if (point.measurement !== 'log_event' || typeof message !== 'string') continue;
    const id = idOf(runId, message);
    if (id === undefined) continue;
    points++;
    ids.add(id);
  }
  return { points, ids };
}

/**
 * The agent's own `butler_sos_delivery_*` samples from its Prometheus endpoint, keyed by
 * metric name plus the `reason` label when there is one (`butler_sos_delivery_dropped_total{spool_full}`),
 * for the one destination whose label matches `destination`.
 */
export async function deliveryMetrics(
  metricsUrl: string,
  destination: RegExp,
): Promise<Record<string, number>> {
  const response = await fetch(metricsUrl);
  if (!response.ok) throw new Error(`GET ${metricsUrl}: HTTP ${response.status}`);
  const out: Record<string, number> = {};
  for (const line of (await response.text()).split('\n')) {
    const match = /^(butler_sos_delivery_\w+)\{([^}]*)\}\s+(\S+)/.exec(line);
    if (!match) continue;
    const labels = Object.fromEntries(
      [...(match[2] as string).matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]),
    );
    if (!destination.test(labels.destination ?? '')) continue;
    const key = labels.reason === undefined ? (match[1] as string) : `${match[1]}{${labels.reason}}`;
    out[key] = Number(match[3]);
  }
  return out;
}

/** Lines of `text` matching `pattern`. */
export function countLines(text: string, pattern: RegExp): number {
  return text.split('\n').filter((line) => pattern.test(line)).length;
}
