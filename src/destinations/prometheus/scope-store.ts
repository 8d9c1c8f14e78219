/**
 * The series published per scope (e.g. one scope per server, one per server and virtual
 * proxy). Publishing a scope replaces everything it published before, so vanished series
 * vanish from the scrape too; an optional expiry drops scopes that were not refreshed for a
 * while (a server that stops answering).
 */
import type { Logger } from '../../logging/logger.ts';
import type { PromSample } from '../../mapping/shapes.ts';

/** One series of a metric: its labels and value. */
export interface MetricValue {
  labels: Record<string, string>;
  value: number;
}

/** metric name → series key → series */
export type SeriesByName = Map<string, Map<string, MetricValue>>;

interface Scope {
  publishedAt: number;
  byName: SeriesByName;
}

export interface ScopeStoreOptions {
  /** Drop a scope not published again within this many ms. Absent: scopes never expire. */
  expiryMs: number | undefined;
  now: () => number;
  log: Logger;
}

/** Adds a sample to a scope's series, replacing the series with the same labels. */
export function addSeries(byName: SeriesByName, sample: PromSample): void {
  let series = byName.get(sample.name);
  if (!series) {
    series = new Map();
    byName.set(sample.name, series);
  }
  series.set(seriesKey(sample.labels), { labels: { ...sample.labels }, value: sample.value });
}

function seriesKey(labels: Record<string, string>): string {
  return JSON.stringify(
    Object.keys(labels)
      .sort()
      .map((k) => [k, labels[k]]),
  );
}

export class ScopeStore {
  readonly #scopes = new Map<string, Scope>();
  readonly #options: ScopeStoreOptions;

  constructor(options: ScopeStoreOptions) {
    this.#options = options;
  }

  set(scope: string, byName: SeriesByName): void {
    this.#scopes.set(scope, { publishedAt: this.#options.now(), byName });
  }

  delete(scope: string): void {
    this.#scopes.delete(scope);
  }

  /** Scope names, expired ones removed first. */
  names(): string[] {
    this.dropExpired();
    return [...this.#scopes.keys()];
  }

  dropExpired(): void {
    const { expiryMs, now, log } = this.#options;
    if (expiryMs === undefined) return;
    const at = now();
    for (const [name, scope] of this.#scopes) {
      if (at - scope.publishedAt <= expiryMs) continue;
      this.#scopes.delete(name);
      log.verbose('PROMETHEUS: removed series of a scope not refreshed in time', { scope: name, expiryMs });
    }
  }

  /**
   * Every series of a metric. Several scopes could publish the same series; the last
   * published wins, so the scrape never holds a duplicate series (Prometheus would reject it).
   */
  valuesOf(name: string): MetricValue[] {
    const merged = new Map<string, MetricValue>();
    for (const scope of this.#scopes.values()) {
      const series = scope.byName.get(name);
      if (!series) continue;
      for (const [key, entry] of series) merged.set(key, entry);
    }
    return [...merged.values()];
  }
}
