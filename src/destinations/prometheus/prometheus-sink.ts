/**
 * The Prometheus sink: a prom-client registry whose Butler SOS gauges are fed by scope.
 *
 * Upstream sets prom-client gauges and never removes a series, so a server or virtual proxy
 * that disappears keeps exporting its last values forever
 * (docs/reference/prometheus.md#staleness-and-expiry). Here every publisher owns a *scope* (e.g.
 * one per server, one per server + virtual proxy) and each `publish(scope, samples)` replaces
 * everything that scope published before, so vanished series vanish from the scrape too. An
 * optional expiry drops scopes that were not refreshed for a while (a server that stops answering).
 *
 * Parts: `scope-store.ts` keeps the series per scope, `registered-metrics.ts` puts the metric
 * names into prom-client's registry (values computed at scrape time), this module checks
 * samples and runs the collectors of the agent's own metrics at each scrape.
 */
import { collectDefaultMetrics, Registry } from 'prom-client';
import type { Logger } from '../../logging/logger.ts';
import type { PromSample } from '../../mapping/shapes.ts';
import { type MetricType, RegisteredMetrics } from './registered-metrics.ts';
import { addSeries, type MetricValue, ScopeStore, type SeriesByName } from './scope-store.ts';

/** A sample from a collector of the agent's own metrics; `type` defaults to gauge. */
export interface CollectedSample extends PromSample {
  type?: 'gauge' | 'counter';
}

/** Computes the agent's own metrics (delivery stats, UDP drops, failed polls) per scrape. */
export type Collector = () => CollectedSample[] | Promise<CollectedSample[]>;

export interface PrometheusSinkOptions {
  log: Logger;
  /**
   * Register prom-client's default Node.js/process metrics (upstream exposes them,
   * docs/reference/prometheus.md#process-metrics).
   */
  collectDefaultMetrics?: boolean;
  /** Drop a scope not published again within this many ms. Absent: scopes never expire. */
  scopeExpiryMs?: number;
  /** Clock, for tests of the expiry. */
  now?: () => number;
}

export interface PublishResult {
  /** Samples exposed from now on. */
  accepted: number;
  /** Samples refused (invalid name, label name or value); each reason is logged once. */
  rejected: number;
}

export interface PrometheusSink {
  /** The registry to serve; also usable for registering extra prom-client metrics. */
  readonly registry: Registry;
  /**
   * Registers metric names (with HELP) before any sample exists, so that the exposition
   * order is this order and a metric with no samples still prints HELP/TYPE
   * (docs/reference/prometheus.md#metric-types-and-order).
   */
  declare(metrics: ReadonlyArray<{ name: string; help: string }>): void;
  /** Replaces all series previously published under `scope` with `samples`. */
  publish(scope: string, samples: readonly PromSample[]): PublishResult;
  /** Removes every series of `scope`. */
  removeScope(scope: string): void;
  /** Scopes currently published (expired ones excluded). */
  scopes(): string[];
  /** Adds a collector run at every scrape; returns a function that removes it. */
  registerCollector(collector: Collector): () => void;
  /** The exposition text (what GET /metrics serves). */
  metrics(): Promise<string>;
  /** The Content-Type of `metrics()`. */
  readonly contentType: string;
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

export function createPrometheusSink(options: PrometheusSinkOptions): PrometheusSink {
  const registry = new Registry();
  if (options.collectDefaultMetrics ?? true) collectDefaultMetrics({ register: registry });
  const scopes = new ScopeStore({
    expiryMs: options.scopeExpiryMs,
    now: options.now ?? Date.now,
    log: options.log,
  });
  const collectors = new Set<Collector>();
  /** Values of collector samples for the scrape in progress, by metric name. */
  let collected = new Map<string, MetricValue[]>();
  const metrics = new RegisteredMetrics(registry, (name) => collected.get(name) ?? scopes.valuesOf(name));
  const warnOnce = onceLogger(options.log);

  /** Registers the sample's metric name if needed; false (logged once) when it cannot be exposed. */
  const exposable = (sample: PromSample, type: MetricType): boolean => {
    const problem = sampleProblem(sample);
    if (problem) {
      warnOnce(`${String(sample.name)}:${problem}`, 'PROMETHEUS: sample not exposed', {
        metric: String(sample.name),
        problem,
      });
      return false;
    }
    try {
      metrics.register(sample.name, sample.help, type);
      return true;
    } catch (error) {
      warnOnce(`${sample.name}:clash`, 'PROMETHEUS: sample not exposed', {
        metric: sample.name,
        problem: (error as Error).message,
      });
      return false;
    }
  };

  return {
    registry,
    contentType: registry.contentType,
    declare(declared) {
      for (const { name, help } of declared) {
        if (!METRIC_NAME.test(name)) throw new Error(`PROMETHEUS: invalid metric name "${name}"`);
        metrics.register(name, help, 'gauge');
      }
    },
    publish(scope, samples) {
      const byName: SeriesByName = new Map();
      let rejected = 0;
      for (const sample of samples) {
        if (exposable(sample, 'gauge')) addSeries(byName, sample);
        else rejected++;
      }
      scopes.set(scope, byName);
      return { accepted: samples.length - rejected, rejected };
    },
    removeScope: (scope) => scopes.delete(scope),
    scopes: () => scopes.names(),
    registerCollector(collector) {
      collectors.add(collector);
      return () => {
        collectors.delete(collector);
      };
    },
    async metrics() {
      scopes.dropExpired();
      collected = await collect(collectors, exposable, warnOnce);
      return registry.metrics();
    },
  };
}

/** Runs every collector; their valid samples' values by metric name. */
async function collect(
  collectors: Iterable<Collector>,
  exposable: (sample: PromSample, type: MetricType) => boolean,
  warnOnce: WarnOnce,
): Promise<Map<string, MetricValue[]>> {
  const values = new Map<string, MetricValue[]>();
  for (const collector of collectors) {
    let samples: CollectedSample[];
    try {
      samples = await collector();
    } catch (error) {
      const message = (error as Error).message;
      warnOnce(`collector:${message}`, 'PROMETHEUS: a metrics collector failed', { error: message });
      continue;
    }
    for (const sample of samples) {
      if (!exposable(sample, sample.type ?? 'gauge')) continue;
      let list = values.get(sample.name);
      if (!list) {
        list = [];
        values.set(sample.name, list);
      }
      list.push({ labels: { ...sample.labels }, value: sample.value });
    }
  }
  return values;
}

/** Why a sample cannot be exposed, or undefined when it can. */
function sampleProblem(sample: PromSample): string | undefined {
  if (typeof sample.name !== 'string' || !METRIC_NAME.test(sample.name)) return 'invalid metric name';
  if (typeof sample.value !== 'number') return 'value is not a number';
  if (sample.labels === null || typeof sample.labels !== 'object') return 'labels are not an object';
  for (const [label, value] of Object.entries(sample.labels)) {
    if (!LABEL_NAME.test(label) || label.startsWith('__')) return `invalid label name "${label}"`;
    if (typeof value !== 'string') return `label "${label}" is not a string`;
  }
  return undefined;
}

type WarnOnce = (key: string, message: string, context: Record<string, unknown>) => void;

/** Logs a warning the first time its key is seen: a bad sample comes back at every poll. */
function onceLogger(log: Logger): WarnOnce {
  const seen = new Set<string>();
  return (key, message, context) => {
    if (seen.has(key)) return;
    seen.add(key);
    log.warn(message, context);
  };
}
