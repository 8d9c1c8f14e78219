/**
 * Assembles the running agent from a validated config: logging, destinations, router,
 * Sense pollers, UDP listeners, ops features and the web servers; and takes it apart again
 * on shutdown (stop intake, flush within the deadline, spool the rest).
 *
 * Startup order follows upstream's log order (docs/reference/runtime.md#startup-order): config lines,
 * InfluxDB lines, banner with the instance id, telemetry line, listener lines. A destination
 * that fails its setup is logged and never blocks the other features.
 */
import { hostname } from 'node:os';
import { isAbsolute, resolve } from 'node:path';
import type { ButlerSosConfig, ButlerSosSettings } from '../config/schema.ts';
import type { LocalStore } from '../destinations/local-store/local-store.ts';
import type { NewRelicCredential } from '../destinations/new-relic/credentials.ts';
import type { CollectedSample } from '../destinations/prometheus/prometheus-sink.ts';
import type { Logger } from '../logging/logger.ts';
import { queueMetricsToInflux, udpStatsToProm } from '../mapping/udp-queue.ts';
import { EventCounters } from '../records/event-counts.ts';
import { createLogEventHandler } from '../sources/log-events/handler.ts';
import { startSensePolling } from '../sources/sense-polls/polling.ts';
import { udpListenerOptions } from '../udp/config.ts';
import type { UdpEventHandler } from '../udp/event-handler.ts';
import { startUdpListener, type UdpListener } from '../udp/listener.ts';
import { startEventCountsFlusher, startQueueMetricsReporter } from '../udp/periodic.ts';
import { createDestinations, type Destinations, type OverflowFactory } from './destinations.ts';
import { type RunningOps, startOps } from './ops.ts';
import { createRouter } from './router.ts';
import { buildStatus } from './status.ts';

export interface AgentOptions {
  config: ButlerSosConfig;
  log: Logger;
  version: string;
  newRelicCredentials: readonly NewRelicCredential[];
  /** The disk spool factory (absent: memory only). */
  overflow?: OverflowFactory & { closeAll?(): Promise<void> };
  /** Masked config for the config view. */
  configView: () => unknown;
}

export interface RunningAgent {
  destinations: Destinations;
  /** Stops intake, flushes within the deadline (the rest is spooled), closes everything. */
  stop(deadlineMs?: number): Promise<void>;
  status(): ReturnType<typeof buildStatus>;
}

/** Relative paths are taken from the working directory, as upstream does for certificates. */
export function fromWorkingDirectory(path: string): string {
  return isAbsolute(path) ? path : resolve(process.cwd(), path);
}

export async function startAgent(options: AgentOptions): Promise<RunningAgent> {
  const { log, version } = options;
  const s: ButlerSosSettings = options.config['Butler-SOS'];
  const startedAt = new Date();
  // Stopped first on shutdown (so nothing new arrives), then the queues flush, then servers.
  const intake: (() => Promise<void> | void)[] = [];
  const servers: (() => Promise<void> | void)[] = [];
  let running = true;

  const store: LocalStore | undefined = s.localStore.enable
    ? (await import('../destinations/local-store/local-store.ts')).createLocalStore({
        file: fromWorkingDirectory(s.localStore.file),
        retentionHours: s.localStore.retentionHours,
        maxBytes: s.localStore.maxSizeMB * 1024 * 1024,
        log,
      })
    : undefined;

  const destinations = await createDestinations({
    settings: s,
    newRelicCredentials: options.newRelicCredentials,
    delivery: {
      spoolMaxBytes: s.delivery.spoolMaxMB * 1024 * 1024,
      memoryQueueMax: s.delivery.memoryQueueMax,
      flushIntervalMs: s.delivery.flushIntervalMs,
      shutdownDeadlineMs: s.delivery.shutdownDeadlineMs,
    },
    overflow: options.overflow ?? (() => undefined),
    log,
    ...(store ? { extraPointSinks: [{ name: 'Local store', sink: store }] } : {}),
  });

  // InfluxDB provisioning never blocks startup (upstream logs and continues); writes wait
  // for it and retry it, so an InfluxDB that is down at start is provisioned when it is back.
  if (destinations.influx) {
    const influx = destinations.influx;
    log.info(`CONFIG: Influxdb enabled: true, ${influx.sink.describe()}`);
    influx
      .setup()
      .catch((error: Error) => log.error(`CONFIG: ${error.message}; retried before the first write`));
  } else {
    log.info('CONFIG: Influxdb enabled: false');
  }

  const router = createRouter({ settings: s, destinations, version, log });

  const ops: RunningOps = await startOps({
    settings: s,
    config: options.config,
    router,
    destinations,
    version,
    log,
    isRunning: () => running,
  });

  // ---- Sense pollers ----
  const polling = startSensePolling({
    servers: s.serversToMonitor.servers,
    cert: s.cert,
    pollingIntervalMs: s.serversToMonitor.pollingInterval,
    rejectUnauthorized: s.serversToMonitor.rejectUnauthorized,
    userSessions: s.userSessions,
    appNames: s.appNames,
    onRecord(record) {
      switch (record.kind) {
        case 'engine-health':
          router.engineHealth(record);
          break;
        case 'proxy-sessions':
          router.proxySessions(record);
          break;
        case 'failed-poll':
          ops.errorTracker.trackFailedPoll(record);
          router.failedPoll(record);
          break;
        default:
          break;
      }
    },
    log,
  });
  intake.push(() => polling.stop());
  const appNameOf = (appId: string) => polling.appNames.nameOf(appId);

  // ---- UDP listeners ----
  const counters = s.qlikSenseEvents.eventCount.enable ? new EventCounters() : undefined;
  const perf = s.logEvents.enginePerformanceMonitor;
  const rejectedCounters =
    s.qlikSenseEvents.rejectedEventCount.enable && perf.trackRejectedEvents.enable
      ? (counters ?? new EventCounters())
      : undefined;
  const listeners: RunningEventListener[] = [];

  const sources = s.logEvents.source;
  const anyLogSource = Object.values(sources).some((source) => source.enable);
  if (anyLogSource) {
    const handler = createLogEventHandler({
      source: sources,
      categorise: s.logEvents.categorise,
      enginePerformanceMonitor: perf,
      eventCounters: counters,
      rejectedCounters,
      appNameOf: perf.appNameLookup.enable ? appNameOf : undefined,
      emit: (record) => router.logEvent(record),
      log,
    });
    const running = await startEventListener('log_events', s.logEvents.udpServerConfig, handler, log);
    if (running) listeners.push(running);
  }
  if (s.userEvents.enable) {
    // Loaded only when enabled (the user-agent parser is large).
    const { createUserEventHandler } = await import('../sources/user-events/handler.ts');
    const handler = createUserEventHandler({
      excludeUser: s.userEvents.excludeUser,
      eventCounters: counters,
      appNameOf,
      emit: (record) => router.userEvent(record),
      log,
    });
    const running = await startEventListener('user_events', s.userEvents.udpServerConfig, handler, log);
    if (running) listeners.push(running);
  }
  intake.push(async () => {
    await Promise.allSettled(listeners.map(({ listener }) => listener.close()));
  });

  // Event counts: flushed whichever counter set is enabled (upstream needed both,
  // docs/reference/destinations.md#fixed).
  const countSource = counters ?? rejectedCounters;
  if (countSource && s.qlikSenseEvents.influxdb.enable) {
    const flusher = startEventCountsFlusher({
      counters: countSource,
      intervalMs: s.qlikSenseEvents.influxdb.writeFrequency,
      write: (record) => router.eventCounts(record),
      log,
    });
    intake.push(() => flusher.tick().finally(() => flusher.stop()));
  }

  // Queue metrics per listener (needs InfluxDB).
  const host = hostname();
  for (const { queueType, listener } of listeners) {
    const cfg =
      queueType === 'log_events'
        ? s.logEvents.udpServerConfig.queueMetrics.influxdb
        : s.userEvents.udpServerConfig.queueMetrics.influxdb;
    const influx = destinations.influx;
    if (!cfg.enable || !influx) continue;
    const reporter = startQueueMetricsReporter({
      listener,
      intervalMs: cfg.writeFrequency,
      write: async (stats, window) => {
        influx.write([
          queueMetricsToInflux(stats, window, influx.version, {
            queueType,
            measurementName: cfg.measurementName,
            tags: cfg.tags,
            hostname: host,
          }),
        ]);
      },
      log,
    });
    intake.push(() => reporter.stop());
  }

  // ---- Sense log database (deprecated upstream; for sites that still have it) ----
  if (s.logdb.enable) {
    const { startLogDbPoller } = await import('../sources/logdb/poller.ts');
    const poller = startLogDbPoller({
      host: s.logdb.host,
      port: s.logdb.port,
      user: s.logdb.qlogsReaderUser,
      password: s.logdb.qlogsReaderPwd,
      pollingInterval: s.logdb.pollingInterval,
      queryPeriod: s.logdb.queryPeriod,
      extractErrors: s.logdb.extractErrors,
      extractWarnings: s.logdb.extractWarnings,
      extractInfo: s.logdb.extractInfo,
      log,
      onRecord: (record) => router.logDbRow(record),
      onError: (error) => ops.errorTracker.increment('LOG_DB_QUERY', s.logdb.host, undefined, error),
    });
    intake.push(() => poller.stop());
  }

  const status = () =>
    buildStatus({
      version,
      startedAt,
      polling: polling.stats(),
      servers: s.serversToMonitor.servers,
      destinations,
    });

  // ---- Prometheus ----
  if (destinations.prometheus) {
    const prom = destinations.prometheus;
    prom.registerCollector(() => ownMetrics(destinations, listeners, polling.stats().failures.byServer));
    const { startMetricsServer } = await import('../destinations/prometheus/metrics-server.ts');
    const server = await startMetricsServer({
      host: s.prometheus.host,
      port: s.prometheus.port,
      sink: prom,
      log,
      extraRoutes: (app) => {
        app.get('/status', async () => status());
      },
    });
    log.info(`PROM: Prometheus Butler SOS metrics server now listening on ${server.address}`);
    servers.push(() => server.close());

    // Upstream's second endpoint: Node.js process metrics only, on nodeMetricsHost:nodeMetricsPort
    // (0.0.0.0:9001 by default). Kept for dashboards that scrape it; a port in use is a warning
    // here (the same metrics are also on the main endpoint), not a reason to stop.
    if (s.prometheus.nodeMetricsPort !== s.prometheus.port) {
      const { createPrometheusSink } = await import('../destinations/prometheus/prometheus-sink.ts');
      try {
        const nodeServer = await startMetricsServer({
          host: s.prometheus.nodeMetricsHost,
          port: s.prometheus.nodeMetricsPort,
          sink: createPrometheusSink({ log, collectDefaultMetrics: true }),
          log,
        });
        log.info(`PROM: Prometheus Node.js metrics server now listening on ${nodeServer.address}`);
        servers.push(() => nodeServer.close());
      } catch (error) {
        log.warn(
          `PROM: Node.js metrics endpoint not started on ${s.prometheus.nodeMetricsHost}:${s.prometheus.nodeMetricsPort}: ${(error as Error).message}`,
        );
      }
    }
  }

  // ---- Web UI and config view ----
  const webWanted = s.webUi.enable || s.configVisualisation.enable;
  if (webWanted) {
    const { startWebServer } = await import('../web/server.ts');
    const where = s.webUi.enable ? s.webUi : s.configVisualisation;
    const web = await startWebServer({
      host: where.host,
      port: where.port,
      ...(s.webUi.enable && store ? { store } : {}),
      getStatus: status,
      ...(s.configVisualisation.enable || s.webUi.enable ? { getConfigView: options.configView } : {}),
      version,
      log,
    });
    log.info(`WEB: ${s.webUi.enable ? 'web UI' : 'config view'} at ${web.address}`);
    servers.push(() => web.close());
  }

  return {
    destinations,
    status,
    async stop(deadlineMs = s.delivery.shutdownDeadlineMs) {
      if (!running) return;
      running = false;
      log.info(`SHUTDOWN: stopping intake, flushing deliveries (deadline ${deadlineMs} ms)`);
      await runAll(intake, log);
      await destinations.close(deadlineMs);
      await options.overflow?.closeAll?.();
      await runAll(servers, log);
      await ops.stop();
      store?.close();
    },
  };
}

function hostPort(listener: UdpListener): string {
  const { address, port } = listener.address();
  return `${address}:${port}`;
}

async function runAll(steps: readonly (() => Promise<void> | void)[], log: Logger): Promise<void> {
  for (const step of steps) {
    try {
      await step();
    } catch (error) {
      log.warn(`SHUTDOWN: ${(error as Error).message}`);
    }
  }
}

/** A bound UDP event listener and the stats of the pipeline behind it. */
interface RunningEventListener {
  queueType: 'log_events' | 'user_events';
  listener: UdpListener;
  handlerStats: () => { emitted: number; rejected: Record<string, number> };
}

const LISTENING_LINE_PREFIX = { log_events: 'LOG EVENT', user_events: 'USER EVENT' } as const;

/** Binds one UDP event listener and logs where it listens; undefined when it cannot bind. */
async function startEventListener(
  queueType: RunningEventListener['queueType'],
  cfg: Parameters<typeof udpListenerOptions>[1],
  handler: UdpEventHandler<string>,
  log: Logger,
): Promise<RunningEventListener | undefined> {
  let listener: UdpListener;
  try {
    listener = await startUdpListener({
      ...udpListenerOptions(queueType, cfg),
      onDatagram: handler.handle,
      log,
    });
  } catch (error) {
    // Upstream logs a bind error and carries on with everything else.
    log.error(`[UDP] ${queueType} server error: ${(error as Error).message}`);
    return undefined;
  }
  log.info(`${LISTENING_LINE_PREFIX[queueType]}: UDP server listening on ${hostPort(listener)}`);
  return { queueType, listener, handlerStats: handler.stats };
}

/** The agent's own metrics on /metrics: delivery per destination, UDP intake, failed polls. */
function ownMetrics(
  destinations: Destinations,
  listeners: RunningEventListener[],
  failuresByServer: Record<string, Partial<Record<string, number>>>,
): CollectedSample[] {
  const samples: CollectedSample[] = [];
  for (const { name, kind, stats, spooledBytes } of destinations.statuses()) {
    const labels = { destination: name, kind };
    const add = (
      metric: string,
      help: string,
      value: number,
      type: 'gauge' | 'counter' = 'gauge',
      extra = {},
    ) => samples.push({ name: metric, help, labels: { ...labels, ...extra }, value, type });
    add('butler_sos_delivery_queued', 'Records waiting in memory per destination.', stats.queued);
    add('butler_sos_delivery_spooled', 'Records in the disk spool per destination.', stats.spooled);
    add('butler_sos_delivery_spooled_bytes', 'Bytes of the disk spool per destination.', spooledBytes);
    add(
      'butler_sos_delivery_delivered_total',
      'Records delivered per destination.',
      stats.delivered,
      'counter',
    );
    add('butler_sos_delivery_retries_total', 'Write retries per destination.', stats.retried, 'counter');
    for (const [reason, count] of Object.entries(stats.dropped)) {
      add(
        'butler_sos_delivery_dropped_total',
        'Records dropped per destination and reason.',
        count,
        'counter',
        { reason },
      );
    }
    add(
      'butler_sos_delivery_failing',
      '1 while the last write to the destination failed.',
      stats.lastError && stats.inFlight > 0 ? 1 : 0,
    );
  }
  for (const { queueType, listener, handlerStats } of listeners) {
    samples.push(...udpStatsToProm(listener.stats(), queueType, handlerStats()));
  }
  for (const [server, reasons] of Object.entries(failuresByServer)) {
    for (const [reason, count] of Object.entries(reasons)) {
      samples.push({
        name: 'butler_sos_failed_polls_total',
        help: 'Failed Sense polls per server and reason.',
        labels: { server_name: server, reason },
        value: count ?? 0,
        type: 'counter',
      });
    }
  }
  return samples;
}
