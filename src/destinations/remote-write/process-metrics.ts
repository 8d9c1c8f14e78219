/**
 * Node.js process metrics (CPU, memory, event loop lag, GC, handles) as the scrape
 * endpoint shows them: prom-client's default metrics, from a registry of this destination's
 * own, read as samples at each push. Histograms and summaries come as their series
 * (`_bucket` with `le`, `_sum`, `_count`), as a scrape sees them.
 */
import { collectDefaultMetrics, Registry } from 'prom-client';
import type { MetricSample } from '../../components/metrics.ts';

export interface ProcessMetrics {
  samples(): Promise<MetricSample[]>;
}

export function createProcessMetrics(): ProcessMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return {
    async samples() {
      const out: MetricSample[] = [];
      for (const metric of await registry.getMetricsAsJSON()) {
        // prom-client's types say a number; at run time `type` is the text of the exposition.
        const type = String(metric.type as unknown) === 'counter' ? 'counter' : 'gauge';
        for (const value of metric.values) {
          const name = (value as { metricName?: string }).metricName ?? metric.name;
          const labels: Record<string, string> = {};
          for (const [label, labelValue] of Object.entries(value.labels)) labels[label] = String(labelValue);
          out.push({ name, help: metric.help, labels, value: value.value, type });
        }
      }
      return out;
    },
  };
}
