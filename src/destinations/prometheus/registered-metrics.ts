/**
 * The sink's metric names in prom-client's registry. prom-client's Gauge fixes its label names
 * when it is created, but the server labels depend on each server's `serverTags`
 * (docs/reference/prometheus.md#labels). So each name is registered as a small custom metric
 * object whose values are computed at scrape time; prom-client's registry only calls `get()` on
 * it and formats the exposition text (escaping included), the same path its own metrics take.
 */
import type { Metric, Registry } from 'prom-client';
import type { MetricValue } from './scope-store.ts';

export type MetricType = 'gauge' | 'counter';

/** The part of prom-client's metric interface its Registry uses. */
interface RegistryMetric {
  name: string;
  help: string;
  type: MetricType;
  aggregator: 'sum';
  get(): Promise<{ name: string; help: string; type: MetricType; aggregator: 'sum'; values: MetricValue[] }>;
  reset(): void;
}

export class RegisteredMetrics {
  readonly #registry: Registry;
  readonly #valuesOf: (name: string) => MetricValue[];
  /** Names this sink registered, with the HELP of their first registration. */
  readonly #helpByName = new Map<string, string>();

  /** `valuesOf` gives a metric's series at scrape time. */
  constructor(registry: Registry, valuesOf: (name: string) => MetricValue[]) {
    this.#registry = registry;
    this.#valuesOf = valuesOf;
  }

  has(name: string): boolean {
    return this.#helpByName.has(name);
  }

  /** Registers `name` once; throws when another metric of the registry has it. */
  register(name: string, help: string, type: MetricType): void {
    if (this.#helpByName.has(name)) return;
    if (this.#registry.getSingleMetric(name))
      throw new Error(`PROMETHEUS: metric name "${name}" is already registered by another metric`);
    const metric: RegistryMetric = {
      name,
      help,
      type,
      aggregator: 'sum',
      get: async () => ({
        name,
        help: this.#helpByName.get(name) ?? help,
        type,
        aggregator: 'sum',
        values: this.#valuesOf(name),
      }),
      reset: () => {},
    };
    // prom-client's Registry accepts any object with name/help/type/get(); its TypeScript
    // type lists only its own classes, hence the cast.
    this.#registry.registerMetric(metric as unknown as Metric);
    this.#helpByName.set(name, help);
  }
}
