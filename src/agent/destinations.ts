/**
 * Builds every enabled destination from the config: a sink (protocol adapter) behind its own
 * delivery queue (bounded memory, batching, retry, disk spool), plus the Prometheus registry,
 * which is pulled rather than pushed and so needs no queue.
 *
 * New Relic gets one queue per account and API: each data kind names its own account list
 * (docs/reference/new-relic.md#accounts-and-credentials), and per-account queues keep delivery
 * counts exact when one account refuses data that another accepted.
 */
import { join } from 'node:path';
import type { ButlerSosSettings } from '../config/schema.ts';
import { createDeliveryQueue, type DeliveryQueue } from '../delivery/queue.ts';
import { DeliveryError, type DeliverySink, type DeliveryStats, type Overflow } from '../delivery/types.ts';
import type { InfluxSink } from '../destinations/influxdb/index.ts';
import type { MqttSink } from '../destinations/mqtt/mqtt-sink.ts';
import { type NewRelicCredential, resolveAccounts } from '../destinations/new-relic/credentials.ts';
import type { NewRelicSink } from '../destinations/new-relic/newrelic-sink.ts';
import type { PrometheusSink } from '../destinations/prometheus/prometheus-sink.ts';
import type { Logger } from '../logging/logger.ts';
import type {
  InfluxPoint,
  InfluxVersion,
  MqttMessage,
  NewRelicEvent,
  NewRelicLog,
  NewRelicMetric,
} from '../mapping/shapes.ts';

export interface DeliverySettings {
  /** Folder of the disk spools; absent: no spool (memory only). */
  spoolDirectory?: string;
  spoolMaxBytes: number;
  memoryQueueMax: number;
  flushIntervalMs: number;
  shutdownDeadlineMs: number;
}

/** Creates the overflow store of one queue (the disk spool), or none. */
export type OverflowFactory = (<T>(name: string) => Overflow<T> | undefined) & {
  bytesFor?(queueName: string): number;
  droppedFor?(queueName: string): Record<string, number>;
};

export interface DestinationStatus {
  name: string;
  kind: 'influxdb' | 'mqtt' | 'newrelic' | 'store';
  stats: DeliveryStats;
  /** Bytes of the destination's disk spool. */
  spooledBytes: number;
}

export interface InfluxDestination {
  version: InfluxVersion;
  sink: InfluxSink;
  /** Provisions the database now (also done before the first write, and again when it is gone). */
  setup(): Promise<void>;
  queue: DeliveryQueue<string>;
  write(points: readonly InfluxPoint[]): void;
}

export interface NewRelicAccountQueues {
  account: string;
  sink: NewRelicSink;
  metrics: DeliveryQueue<NewRelicMetric>;
  events: DeliveryQueue<NewRelicEvent>;
  logs: DeliveryQueue<NewRelicLog>;
}

export interface Destinations {
  influx?: InfluxDestination;
  mqtt?: { sink: MqttSink; queue: DeliveryQueue<MqttMessage> };
  /** Per account name; a data kind picks its accounts with `newRelicAccounts(names)`. */
  newRelic: Map<string, NewRelicAccountQueues>;
  prometheus?: PrometheusSink;
  /** Extra push destinations (the local store), fed the same points as InfluxDB. */
  pointSinks: { name: string; queue: DeliveryQueue<InfluxPoint> }[];
  newRelicAccounts(names: readonly string[]): NewRelicAccountQueues[];
  statuses(): DestinationStatus[];
  /** Flushes every queue within the deadline (the rest goes to the spool), then closes sinks. */
  close(deadlineMs: number): Promise<void>;
}

const RETRY = { initialMs: 500, maxMs: 30_000, jitter: 1 } as const;

export interface DestinationOptions {
  settings: ButlerSosSettings;
  newRelicCredentials: readonly NewRelicCredential[];
  delivery: DeliverySettings;
  overflow: OverflowFactory;
  log: Logger;
  /** Extra point sinks (e.g. the local store) that take the same points as InfluxDB. */
  extraPointSinks?: { name: string; sink: DeliverySink<InfluxPoint> }[];
}

/**
 * Sinks are imported only when enabled: each protocol client (mqtt, prom-client, node:http)
 * costs megabytes of memory at start, and most sites enable one or two destinations.
 */
export async function createDestinations(options: DestinationOptions): Promise<Destinations> {
  const { settings, delivery, log } = options;
  const queues: { kind: DestinationStatus['kind']; name: string; queue: DeliveryQueue<never> }[] = [];
  const closers: (() => Promise<void>)[] = [];

  function queueFor<T>(
    kind: DestinationStatus['kind'],
    name: string,
    sink: DeliverySink<T>,
    maxBatchSize: number,
  ): DeliveryQueue<T> {
    const queue = createDeliveryQueue<T>({
      name,
      sink,
      maxQueued: delivery.memoryQueueMax,
      maxBatchSize,
      flushIntervalMs: delivery.flushIntervalMs,
      retry: RETRY,
      overflow: options.overflow<T>(name),
      log,
    });
    queues.push({ kind, name, queue: queue as DeliveryQueue<never> });
    return queue;
  }

  let influx: InfluxDestination | undefined;
  const ic = settings.influxdbConfig;
  if (ic.enable) {
    const { createInfluxSink, encodeLine } = await import('../destinations/influxdb/index.ts');
    const version = ic.version as InfluxVersion;
    const sink = createInfluxSink({
      version,
      host: ic.host,
      port: ic.port,
      v1: {
        database: ic.v1Config.dbName,
        retentionPolicy: ic.v1Config.retentionPolicy,
        ...(ic.v1Config.auth.enable
          ? { username: ic.v1Config.auth.username, password: ic.v1Config.auth.password }
          : {}),
      },
      v2: ic.v2Config,
      v3: ic.v3Config,
      timeoutMs: ic.v3Config.writeTimeout ?? 10_000,
      log,
    });
    const provisioned = provisionedInfluxSink(sink, log);
    const queue = queueFor('influxdb', sink.describe(), provisioned, ic.maxBatchSize);
    influx = {
      version,
      sink,
      setup: provisioned.setup,
      queue,
      write(points) {
        for (const point of points) {
          const line = encodeLine(point);
          if (line !== '') queue.enqueue(line);
        }
      },
    };
    closers.push(() => sink.close());
  }

  const pointSinks = (options.extraPointSinks ?? []).map(({ name, sink }) => ({
    name,
    queue: queueFor<InfluxPoint>('store', name, sink, 5000),
  }));

  let mqtt: Destinations['mqtt'];
  const mc = settings.mqttConfig;
  if (mc.enable) {
    const { createMqttSink } = await import('../destinations/mqtt/mqtt-sink.ts');
    const sink = createMqttSink({ brokerHost: mc.brokerHost, brokerPort: mc.brokerPort, log });
    const queue = queueFor('mqtt', `MQTT at ${mc.brokerHost}:${mc.brokerPort}`, sink, 500);
    mqtt = { sink, queue };
    closers.push(() => sink.close());
  }

  const newRelic = new Map<string, NewRelicAccountQueues>();
  const nr = settings.newRelic;
  const anyNewRelic = nr.enable || settings.uptimeMonitor.storeNewRelic.enable;
  if (anyNewRelic) {
    const { createNewRelicSink } = await import('../destinations/new-relic/newrelic-sink.ts');
    for (const credential of options.newRelicCredentials) {
      const account = {
        name: credential.accountName,
        insertApiKey: credential.insertApiKey,
        accountId: credential.accountId,
      };
      const sink = createNewRelicSink({
        accounts: [account],
        metricUrl: nr.metric.url,
        eventUrl: nr.event.url,
        metricHeaders: nr.metric.header,
        eventHeaders: nr.event.header,
        log,
      });
      const name = `New Relic account ${credential.accountName}`;
      newRelic.set(credential.accountName, {
        account: credential.accountName,
        sink,
        metrics: queueFor('newrelic', `${name} metrics`, { write: (b, s) => sink.writeMetrics(b, s) }, 1000),
        events: queueFor('newrelic', `${name} events`, { write: (b, s) => sink.writeEvents(b, s) }, 1000),
        logs: queueFor('newrelic', `${name} logs`, { write: (b, s) => sink.writeLogs(b, s) }, 1000),
      });
      closers.push(() => sink.close());
    }
  }

  const prometheus = settings.prometheus.enable
    ? (await import('../destinations/prometheus/prometheus-sink.ts')).createPrometheusSink({
        log,
        // Safety net behind the removal on failed polls: a series not refreshed for three
        // polling intervals is gone (a server removed from a reloaded config, say).
        scopeExpiryMs:
          3 * Math.max(settings.serversToMonitor.pollingInterval, settings.userSessions.pollingInterval),
      })
    : undefined;

  return {
    ...(influx ? { influx } : {}),
    ...(mqtt ? { mqtt } : {}),
    ...(prometheus ? { prometheus } : {}),
    newRelic,
    pointSinks,
    newRelicAccounts(names) {
      // Resolved once per data kind at startup, so an unknown name is logged once.
      return resolveAccounts(names, options.newRelicCredentials, log).flatMap((account) => {
        const queues = newRelic.get(account.name);
        return queues ? [queues] : [];
      });
    },
    statuses() {
      return queues.map(({ kind, name, queue }) => {
        const stats = queue.stats();
        // The spool counts its own drops (cap reached, corrupt records): one total per reason.
        for (const [reason, count] of Object.entries(options.overflow.droppedFor?.(name) ?? {})) {
          stats.dropped[reason] = (stats.dropped[reason] ?? 0) + count;
        }
        return { name, kind, stats, spooledBytes: options.overflow.bytesFor?.(name) ?? 0 };
      });
    },
    async close(deadlineMs) {
      await Promise.all(queues.map(({ queue }) => queue.close(deadlineMs)));
      await Promise.allSettled(closers.map((close) => close()));
    },
  };
}

/**
 * InfluxDB behind its provisioning: no point is written before the database (v1: with its
 * default retention policy) exists, since points written before `CREATE RETENTION POLICY
 * ... DEFAULT` land in `autogen` where dashboards never look; a failed setup (InfluxDB down
 * at start) is retried with the writes' backoff; a database dropped later is created again.
 */
export function provisionedInfluxSink(
  sink: InfluxSink,
  log: Logger,
): DeliverySink<string> & { setup(): Promise<void> } {
  let ready: Promise<void> | undefined;
  const setup = (): Promise<void> => {
    ready ??= sink.setup().then(
      () => log.info(`CONFIG: ${sink.describe()} is ready`),
      (error: Error) => {
        // Unreachable (a network error): writes wait and setup is tried again before the next
        // one. Reachable but refusing the setup calls (a token without admin rights, or an
        // InfluxDB-compatible store without the setup API such as VictoriaMetrics): upstream
        // logs and writes anyway, and so do we.
        if (!(error instanceof DeliveryError)) {
          log.warn(`CONFIG: ${error.message}; writing without provisioning`);
          return;
        }
        ready = undefined;
        throw new DeliveryError(`setting up ${sink.describe()} failed: ${error.message}`, {
          kind: 'retryable',
          cause: error,
        });
      },
    );
    return ready;
  };
  return {
    setup,
    async write(batch, signal) {
      await setup();
      try {
        await sink.write(batch, signal);
      } catch (error) {
        // The database or bucket vanished (dropped, or InfluxDB reinstalled): provision again.
        if (/database not found|bucket .*not found|HTTP 404/i.test((error as Error).message))
          ready = undefined;
        throw error;
      }
    },
  };
}

/** The spool folder of one queue: a file-name-safe version of its name. */
export function spoolFolderFor(root: string, queueName: string): string {
  return join(root, queueName.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 100));
}
