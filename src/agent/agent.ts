/**
 * Assembles the running agent from a validated config: the destinations and sources the
 * config switches on (from the registry), the router between them, the operational features
 * and the web server; and takes it apart again on shutdown.
 *
 * Start is whole or nothing: destinations first (so records have somewhere to go; InfluxDB
 * logs its config line here, as upstream), then the operational features (banner, telemetry),
 * then the sources and the web server. If any of them cannot start, everything started is
 * stopped again and the start fails. Stop runs the other way: intake first, then the
 * destinations flush within the deadline (the rest goes to the disk spool), then the servers.
 */
import { hostname } from 'node:os';
import type { Component } from '../components/component.ts';
import type { Destination, DestinationContext, QueueStatus } from '../components/destination.ts';
import type { MetricSample } from '../components/metrics.ts';
import type { Source, SourceContext } from '../components/source.ts';
import { createSecretRedactor } from '../config/mask.ts';
import type { ButlerSosConfig, ButlerSosSettings } from '../config/schema.ts';
import type { LocalStoreDestination } from '../destinations/local-store/destination.ts';
import type { Logger } from '../logging/logger.ts';
import { EventCounters } from '../records/event-counts.ts';
import type { AgentRecord } from '../records/record.ts';
import { maskSecretsIn } from '../secrets/mask-json.ts';
import type { Redact } from '../secrets/redactor.ts';
import { AppNameTable } from '../sources/app-names/table.ts';
import { type Periodic, startEventCountsFlusher } from '../udp/periodic.ts';
import { type RunningOps, startOps } from './ops.ts';
import { deliveryMetrics } from './own-metrics.ts';
import { queueFactory } from './queues.ts';
import { DESTINATION_PLUGINS, loadPlugins, SOURCE_PLUGINS } from './registry.ts';
import { createRouter, type Router } from './router.ts';
import type { DiskSpoolFactory } from './spool.ts';
import { type AgentStatus, buildStatus } from './status.ts';

export interface AgentOptions {
  config: ButlerSosConfig;
  log: Logger;
  version: string;
  /** The disk spools of the delivery queues (absent: memory only). */
  spools?: DiskSpoolFactory;
  /** Masked config for the config view. */
  configView: () => unknown;
}

export interface RunningAgent {
  destinations: readonly Destination[];
  sources: readonly Source[];
  /** Stops intake, flushes within the deadline (the rest is spooled), closes everything. */
  stop(deadlineMs?: number): Promise<void>;
  status(): AgentStatus;
}

export async function startAgent(options: AgentOptions): Promise<RunningAgent> {
  const agent = new Agent(options);
  await agent.assemble();
  try {
    await agent.start();
  } catch (error) {
    await agent.stop(0);
    throw new AgentStartError(error);
  }
  return agent;
}

/**
 * The start failed and everything started was stopped again. The message says which part and
 * why (a port names its config key); a stack trace would only hide that, so it has none.
 */
export class AgentStartError extends Error {
  constructor(cause: unknown) {
    super(`the start failed, nothing is left running: ${(cause as Error)?.message ?? String(cause)}`, {
      cause,
    });
    this.name = 'AgentStartError';
    this.stack = this.message;
  }
}

class Agent implements RunningAgent {
  destinations: Destination[] = [];
  sources: Source[] = [];
  readonly #options: AgentOptions;
  readonly #settings: ButlerSosSettings;
  readonly #log: Logger;
  readonly #startedAt = new Date();
  readonly #appNames = new AppNameTable();
  readonly #counters: SourceContext['counters'];
  /** The config's secret values and the credential shapes, removed from the status. */
  readonly #redact: Redact;
  /** What brings records in (sources, the event-count flusher): stopped first, in reverse. */
  readonly #intake: Stoppable[] = [];
  /** The operational features and the web server: stopped last, in reverse. */
  readonly #servers: Stoppable[] = [];
  #router!: Router;
  #ops: RunningOps | undefined;
  #stopping: Promise<void> | undefined;

  constructor(options: AgentOptions) {
    this.#options = options;
    this.#settings = options.config['Butler-SOS'];
    this.#log = options.log;
    this.#counters = eventCounters(this.#settings);
    this.#redact = createSecretRedactor(options.config);
  }

  /** Creates the enabled destinations and sources; nothing is opened yet. */
  async assemble(): Promise<void> {
    const s = this.#settings;
    const makeQueue = queueFactory(s, this.#options.spools, this.#log);
    for (const plugin of await loadPlugins(DESTINATION_PLUGINS)) {
      if (!plugin.enabled(s)) continue;
      const context: DestinationContext = {
        settings: s,
        version: this.#options.version,
        log: this.#log,
        createQueue: (name, sink, maxBatchSize) => makeQueue(plugin.id, name, sink, maxBatchSize),
        agent: { metrics: () => this.metrics(), status: () => this.status() },
      };
      this.destinations.push(await plugin.create(context));
    }
    this.#router = createRouter(this.destinations, this.#log);
    const context: SourceContext = {
      settings: s,
      log: this.#log,
      emit: (record) => this.#emit(record),
      appNames: this.#appNames,
      counters: this.#counters,
      trackError: (type, serverName, error) =>
        this.#ops?.errorTracker.increment(type, serverName, undefined, error),
      hostname: hostname(),
    };
    for (const plugin of await loadPlugins(SOURCE_PLUGINS)) {
      if (plugin.enabled(s)) this.sources.push(await plugin.create(context));
    }
  }

  async start(): Promise<void> {
    for (const destination of this.destinations) await this.#open(destination);
    this.#ops = await startOps({
      settings: this.#settings,
      config: this.#options.config,
      emit: (record) => this.#router.route(record),
      queues: () => this.queues(),
      version: this.#options.version,
      log: this.#log,
      isRunning: () => this.#stopping === undefined,
    });
    this.#servers.push({ stop: async () => this.#ops?.stop() });
    for (const source of this.sources) {
      await this.#open(source);
      this.#intake.push(source);
    }
    this.#startEventCounts();
    await this.#startWebServer();
  }

  stop(deadlineMs = this.#settings.delivery.shutdownDeadlineMs): Promise<void> {
    this.#stopping ??= this.#stopAll(deadlineMs);
    return this.#stopping;
  }

  /**
   * Masked where it is built: error texts in it (a destination's last error may quote an
   * answer that echoed a credential) reach /status, /api/status and the UI only through here.
   */
  status(): AgentStatus {
    const status = buildStatus({
      version: this.#options.version,
      startedAt: this.#startedAt,
      servers: this.sources.flatMap((source) => source.servers?.() ?? []),
      queues: this.queues(),
    });
    return maskSecretsIn(status, this.#redact) as AgentStatus;
  }

  queues(): QueueStatus[] {
    return this.destinations.flatMap((destination) => destination.queues());
  }

  metrics(): MetricSample[] {
    return [...deliveryMetrics(this.queues()), ...this.sources.flatMap((source) => source.metrics?.() ?? [])];
  }

  /** Records reach the router; failed polls are also counted by error tracking. */
  #emit(record: AgentRecord): void {
    if (record.kind === 'failed-poll') this.#ops?.errorTracker.trackFailedPoll(record);
    this.#router.route(record);
  }

  async #open(component: Component): Promise<void> {
    try {
      await component.start();
    } catch (error) {
      throw new Error(`${component.name} could not start: ${(error as Error).message}`, { cause: error });
    }
  }

  /** Event counts are written per interval, whichever counter set is on (upstream needed both). */
  #startEventCounts(): void {
    const counters = this.#counters.events ?? this.#counters.rejected;
    const settings = this.#settings.qlikSenseEvents.influxdb;
    if (!counters || !settings.enable) return;
    const flusher: Periodic = startEventCountsFlusher({
      counters,
      intervalMs: settings.writeFrequency,
      write: (record) => this.#router.route(record),
      log: this.#log,
    });
    // On shutdown the last interval is counted too.
    this.#intake.push({ stop: () => flusher.tick().finally(() => flusher.stop()) });
  }

  async #startWebServer(): Promise<void> {
    const s = this.#settings;
    if (!s.webUi.enable && !s.configVisualisation.enable) return;
    const [{ startWebServer }, { httpSecurityOf }] = await Promise.all([
      import('../web/server.ts'),
      import('../http-security/security.ts'),
    ]);
    const section = s.webUi.enable ? 'webUi' : 'configVisualisation';
    const where = s[section];
    const storeDestination = this.destinations.find(
      (d): d is LocalStoreDestination => 'store' in d && typeof d.store === 'function',
    );
    const store = s.webUi.enable ? storeDestination?.store() : undefined;
    const web = await startWebServer({
      host: where.host,
      port: where.port,
      keys: { host: `${section}.host`, port: `${section}.port` },
      security: await httpSecurityOf(s.httpSecurity),
      // The config view alone is upstream's and was served anywhere: a warning keeps those configs
      // starting. The web UI is ours and serves event data: it needs auth or an explicit yes.
      openBeyondLoopback:
        !s.webUi.enable || s.webUi.allowRemoteWithoutAuth
          ? 'warn'
          : {
              refuse:
                'set webUi.allowRemoteWithoutAuth: true only when a reverse proxy in front of it authenticates',
            },
      ...(store ? { store } : {}),
      getStatus: () => this.status(),
      getConfigView: this.#options.configView,
      version: this.#options.version,
      log: this.#log,
    });
    this.#log.info(`WEB: ${s.webUi.enable ? 'web UI' : 'config view'} at ${web.address}`);
    this.#servers.push({ stop: () => web.close() });
  }

  async #stopAll(deadlineMs: number): Promise<void> {
    this.#log.info(`SHUTDOWN: stopping intake, flushing deliveries (deadline ${deadlineMs} ms)`);
    // Intake first, so nothing new arrives while destinations flush; sources that never
    // started still release what creating them took.
    await stopEach([...this.#intake].reverse(), deadlineMs, this.#log);
    await stopEach(this.sources, 0, this.#log);
    await Promise.all(this.destinations.map((d) => stopQuietly(d, deadlineMs, this.#log)));
    await this.#options.spools?.closeAll();
    await stopEach([...this.#servers].reverse(), deadlineMs, this.#log);
  }
}

function eventCounters(s: ButlerSosSettings): SourceContext['counters'] {
  const events = s.qlikSenseEvents.eventCount.enable ? new EventCounters() : undefined;
  const trackRejected =
    s.qlikSenseEvents.rejectedEventCount.enable &&
    s.logEvents.enginePerformanceMonitor.trackRejectedEvents.enable;
  const rejected = trackRejected ? (events ?? new EventCounters()) : undefined;
  return { ...(events ? { events } : {}), ...(rejected ? { rejected } : {}) };
}

type Stoppable = Pick<Component, 'stop'>;

async function stopEach(components: readonly Stoppable[], deadlineMs: number, log: Logger) {
  for (const component of components) await stopQuietly(component, deadlineMs, log);
}

async function stopQuietly(component: Stoppable, deadlineMs: number, log: Logger) {
  try {
    await component.stop(deadlineMs);
  } catch (error) {
    log.warn(`SHUTDOWN: ${(error as Error).message}`);
  }
}
