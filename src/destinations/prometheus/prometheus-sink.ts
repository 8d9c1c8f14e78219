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
 * prom-client's Gauge fixes its label names when it is created, but the server labels
 * depend on each server's `serverTags` (docs/reference/prometheus.md#labels). So each metric name
 * is registered as a small custom metric object whose values are computed at scrape time from the
 * scope store; prom-client's registry only calls `get()` on it and formats the exposition text
 * (escaping included), the same path its own metrics take.
 */
import { collectDefaultMetrics, type Metric, Registry } from 'prom-client';
import type { Logger } from '../../logging/logger.ts';
import type { PromSample } from '../../mapping/shapes.ts';

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

interface StoredSeries {
  labels: Record<string, string>;
  value: number;
}

interface Scope {
  publishedAt: number;
  /** metric name → series key → series */
  byName: Map<string, Map<string, StoredSeries>>;
}

interface MetricValue {
  labels: Record<string, string>;
  value: number;
}

/** The part of prom-client's metric interface its Registry uses. */
interface RegistryMetric {
  name: string;
  help: string;
  type: 'gauge' | 'counter';
  aggregator: 'sum';
  get(): Promise<{
    name: string;
    help: string;
    type: 'gauge' | 'counter';
    aggregator: 'sum';
    values: MetricValue[];
  }>;
  reset(): void;
}

export function createPrometheusSink(options: PrometheusSinkOptions): PrometheusSink {
  const { log } = options;
  const now = options.now ?? Date.now;
  const registry = new Registry();
  if (options.collectDefaultMetrics ?? true) collectDefaultMetrics({ register: registry });

  const scopeStore = new Map<string, Scope>();
  const helpByName = new Map<string, string>();
  const ownMetricNames = new Set<string>();
  const collectors = new Set<Collector>();
  /** Values of collector samples for the scrape in progress, by metric name. */
  let collected = new Map<string, MetricValue[]>();
  const loggedProblems = new Set<string>();

  const logOnce = (key: string, message: string, context: Record<string, unknown>): void => {
    if (loggedProblems.has(key)) return;
    loggedProblems.add(key);
    log.warn(message, context);
  };

  const expired = (scope: Scope, at: number): boolean =>
    options.scopeExpiryMs !== undefined && at - scope.publishedAt > options.scopeExpiryMs;

  const dropExpiredScopes = (): void => {
    const at = now();
    for (const [name, scope] of scopeStore) {
      if (expired(scope, at)) {
        scopeStore.delete(name);
        log.verbose('PROMETHEUS: removed series of a scope not refreshed in time', {
          scope: name,
          expiryMs: options.scopeExpiryMs,
        });
      }
    }
  };

  /** The custom metric object for one name; its values are read at scrape time. */
  const registerName = (name: string, help: string, type: 'gauge' | 'counter'): void => {
    if (ownMetricNames.has(name)) return;
    const existing = registry.getSingleMetric(name);
    if (existing)
      throw new Error(`PROMETHEUS: metric name "${name}" is already registered by another metric`);
    const metric: RegistryMetric = {
      name,
      help,
      type,
      aggregator: 'sum',
      get: async () => ({
        name,
        help: helpByName.get(name) ?? help,
        type,
        aggregator: 'sum',
        values: valuesOf(name),
      }),
      reset: () => {},
    };
    // prom-client's Registry accepts any object with name/help/type/get(); its TypeScript
    // type lists only its own classes, hence the cast.
    registry.registerMetric(metric as unknown as Metric);
    ownMetricNames.add(name);
    helpByName.set(name, help);
  };

  const valuesOf = (name: string): MetricValue[] => {
    const fromCollectors = collected.get(name);
    if (fromCollectors) return fromCollectors;
    // Several scopes could publish the same series; the last published wins, so the
    // scrape never holds a duplicate series (Prometheus would reject it).
    const merged = new Map<string, MetricValue>();
    for (const scope of scopeStore.values()) {
      const series = scope.byName.get(name);
      if (!series) continue;
      for (const [key, entry] of series) merged.set(key, entry);
    }
    return [...merged.values()];
  };

  /** Checks one sample; returns a problem description or undefined when valid. */
  const problemOf = (sample: PromSample): string | undefined => {
    if (typeof sample.name !== 'string' || !METRIC_NAME.test(sample.name)) return 'invalid metric name';
    if (typeof sample.value !== 'number') return 'value is not a number';
    if (sample.labels === null || typeof sample.labels !== 'object') return 'labels are not an object';
    for (const [label, value] of Object.entries(sample.labels)) {
      if (!LABEL_NAME.test(label) || label.startsWith('__')) return `invalid label name "${label}"`;
      if (typeof value !== 'string') return `label "${label}" is not a string`;
    }
    return undefined;
  };

  const seriesKey = (labels: Record<string, string>): string =>
    JSON.stringify(
      Object.keys(labels)
        .sort()
        .map((k) => [k, labels[k]]),
    );

  const sink: PrometheusSink = {
    registry,
    contentType: registry.contentType,

    declare(metrics) {
      for (const { name, help } of metrics) {
        if (!METRIC_NAME.test(name)) throw new Error(`PROMETHEUS: invalid metric name "${name}"`);
        registerName(name, help, 'gauge');
      }
    },

    publish(scope, samples) {
      const byName = new Map<string, Map<string, StoredSeries>>();
      let rejected = 0;
      for (const sample of samples) {
        const problem = problemOf(sample);
        if (problem) {
          rejected++;
          logOnce(`${String(sample.name)}:${problem}`, 'PROMETHEUS: sample not exposed', {
            metric: String(sample.name),
            problem,
          });
          continue;
        }
        if (!ownMetricNames.has(sample.name)) {
          try {
            registerName(sample.name, sample.help, 'gauge');
          } catch (error) {
            rejected++;
            logOnce(`${sample.name}:clash`, 'PROMETHEUS: sample not exposed', {
              metric: sample.name,
              problem: (error as Error).message,
            });
            continue;
          }
        }
        let series = byName.get(sample.name);
        if (!series) {
          series = new Map();
          byName.set(sample.name, series);
        }
        series.set(seriesKey(sample.labels), { labels: { ...sample.labels }, value: sample.value });
      }
      scopeStore.set(scope, { publishedAt: now(), byName });
      return { accepted: samples.length - rejected, rejected };
    },

    removeScope(scope) {
      scopeStore.delete(scope);
    },

    scopes() {
      dropExpiredScopes();
      return [...scopeStore.keys()];
    },

    registerCollector(collector) {
      collectors.add(collector);
      return () => {
        collectors.delete(collector);
      };
    },

    async metrics() {
      dropExpiredScopes();
      const next = new Map<string, MetricValue[]>();
      for (const collector of collectors) {
        let samples: CollectedSample[];
        try {
          samples = await collector();
        } catch (error) {
          logOnce(`collector:${(error as Error).message}`, 'PROMETHEUS: a metrics collector failed', {
            error: (error as Error).message,
          });
          continue;
        }
        for (const sample of samples) {
          const problem = problemOf(sample);
          if (problem) {
            logOnce(`${String(sample.name)}:${problem}`, 'PROMETHEUS: sample not exposed', {
              metric: String(sample.name),
              problem,
            });
            continue;
          }
          try {
            registerName(sample.name, sample.help, sample.type ?? 'gauge');
          } catch (error) {
            logOnce(`${sample.name}:clash`, 'PROMETHEUS: sample not exposed', {
              metric: sample.name,
              problem: (error as Error).message,
            });
            continue;
          }
          let values = next.get(sample.name);
          if (!values) {
            values = [];
            next.set(sample.name, values);
          }
          values.push({ labels: { ...sample.labels }, value: sample.value });
        }
      }
      collected = next;
      return registry.metrics();
    },
  };
  return sink;
}
