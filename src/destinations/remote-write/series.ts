/**
 * Samples as the remote-write queue and spool hold them, and how a batch of them becomes the
 * series of one request: every sample gets the endpoint's labels, labels are sorted by name
 * (the protocol requires it), and samples of the same series are grouped in time order.
 */
import type { SampleValue, WireSeries } from './wire.ts';

/** One sample. Short keys: the spool holds many of them as JSON. */
export interface RwSample {
  /** Metric name. */
  n: string;
  /** The metric's own labels, as the scrape endpoint shows them. */
  l: Record<string, string>;
  v: SampleValue;
  /** ms since the epoch. */
  t: number;
}

/** What an endpoint adds to every series. */
export interface LabelPolicy {
  /** Added unless the series already has the label (job, instance, external labels), as Prometheus does. */
  defaults: Record<string, string>;
  /** Always set, replacing a label of the same name (the HA pair's cluster and replica labels). */
  forced: Record<string, string>;
}

export function groupSeries(batch: readonly RwSample[], policy: LabelPolicy): WireSeries[] {
  const byKey = new Map<
    string,
    { labels: [string, string][]; samples: { value: SampleValue; timeMs: number }[] }
  >();
  for (const sample of batch) {
    const labels = seriesLabels(sample, policy);
    const key = labels.map(([name, value]) => `${name}\u0000${value}`).join('\u0001');
    let series = byKey.get(key);
    if (!series) {
      series = { labels, samples: [] };
      byKey.set(key, series);
    }
    series.samples.push({ value: sample.v, timeMs: sample.t });
  }
  const out: WireSeries[] = [];
  for (const series of byKey.values()) {
    series.samples.sort((a, b) => a.timeMs - b.timeMs);
    out.push(series);
  }
  return out;
}

function seriesLabels(sample: RwSample, policy: LabelPolicy): [string, string][] {
  const merged: Record<string, string> = {
    ...policy.defaults,
    ...sample.l,
    ...policy.forced,
    __name__: sample.n,
  };
  return Object.entries(merged)
    .filter(([, value]) => value !== '')
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}
