/**
 * What a receiver holds, and what the agent sent, in one shape for comparison: series (its
 * labels as sorted JSON) → [timestamp ms, value as text] in time order. Staleness markers are
 * left out of what was sent: receivers hide them from queries.
 */
import type { ReceivedRequest } from '../../support/remote-write.ts';
import { STALE_BITS } from '../../support/remote-write.ts';

export type StoredSamples = Map<string, [number, string][]>;

function keyOf(labels: Record<string, string>): string {
  return JSON.stringify(Object.fromEntries(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : 1))));
}

/** One text per number, whichever way a receiver printed it (Prometheus writes 5.11e-07). */
function text(value: number | string): string {
  value = Number(value);
  if (Number.isNaN(value)) return 'NaN';
  if (value === Number.POSITIVE_INFINITY) return '+Inf';
  if (value === Number.NEGATIVE_INFINITY) return '-Inf';
  return String(value);
}

function sorted(map: StoredSamples): StoredSamples {
  const out: StoredSamples = new Map();
  for (const key of [...map.keys()].sort()) {
    const samples = map.get(key) ?? [];
    // One sample per timestamp: a request retried after a lost answer sends it again.
    const unique = new Map(samples.map(([t, v]) => [t, v] as const));
    out.set(
      key,
      [...unique.entries()].sort(([a], [b]) => a - b),
    );
  }
  return out;
}

/** Every sample of requests the receiver accepted. */
export function sentSamples(requests: readonly ReceivedRequest[]): StoredSamples {
  const map: StoredSamples = new Map();
  for (const request of requests) {
    if (request.status < 200 || request.status >= 300) continue;
    for (const series of request.series) {
      const key = keyOf(series.labels);
      const list = map.get(key) ?? [];
      for (const s of series.samples) if (s.bits !== STALE_BITS) list.push([s.timeMs, text(s.value)]);
      if (list.length > 0) map.set(key, list);
    }
  }
  return sorted(map);
}

/** What VictoriaMetrics can hold of what was sent: NaN left out (it stores no NaN). */
export function asVictoriaMetricsStores(requests: readonly ReceivedRequest[]): StoredSamples {
  const out: StoredSamples = new Map();
  for (const [key, list] of sentSamples(requests)) {
    const kept = list.filter(([, v]) => v !== 'NaN');
    if (kept.length > 0) out.set(key, kept);
  }
  return out;
}

/**
 * `held` with each value replaced by the `sent` one when the two differ by less than a
 * millionth of the largest value of the series: VictoriaMetrics stores the values of a block
 * as decimals with one exponent, so a small value next to large ones keeps fewer digits. A
 * deepEqual of the result against `sent` still shows every missing, extra or wrong sample.
 */
export function withinPrecision(held: StoredSamples, sent: StoredSamples): StoredSamples {
  const out: StoredSamples = new Map();
  for (const [key, list] of held) {
    const expected = new Map(sent.get(key) ?? []);
    const scale = Math.max(
      0,
      ...[...expected.values()].map((v) => Math.abs(Number(v))).filter(Number.isFinite),
    );
    out.set(
      key,
      list.map(([t, v]) => {
        const want = expected.get(t);
        if (want === undefined) return [t, v];
        return Math.abs(Number(v) - Number(want)) <= 1e-6 * scale ? [t, want] : [t, v];
      }),
    );
  }
  return out;
}

/**
 * Every raw sample of the job's series in Prometheus (a range query over the last 10
 * minutes returns the samples as stored); with `instant`, the series an instant query sees now.
 */
export async function exportPrometheus(
  url: string,
  job: string,
  metric = '',
  instant = false,
): Promise<StoredSamples> {
  const selector = `${metric}{job="${job}"}${instant ? '' : '[10m]'}`;
  const response = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(selector)}`);
  const body = (await response.json()) as {
    data: {
      result: { metric: Record<string, string>; values?: [number, string][]; value?: [number, string] }[];
    };
  };
  const map: StoredSamples = new Map();
  for (const series of body.data.result) {
    const values = series.values ?? (series.value ? [series.value] : []);
    map.set(
      keyOf(series.metric),
      values.map(([t, v]) => [Math.round(t * 1000), text(v)]),
    );
  }
  return sorted(map);
}

/** Every raw sample of the job's series in VictoriaMetrics (its export API). */
export async function exportVictoriaMetrics(url: string, job: string): Promise<StoredSamples> {
  const response = await fetch(`${url}/api/v1/export?match[]=${encodeURIComponent(`{job="${job}"}`)}`);
  const map: StoredSamples = new Map();
  for (const line of (await response.text()).split('\n')) {
    if (line.trim() === '') continue;
    const series = JSON.parse(line) as {
      metric: Record<string, string>;
      values: number[];
      timestamps: number[];
    };
    map.set(
      keyOf(series.metric),
      series.timestamps.map((t, i) => [t, text(series.values[i] ?? Number.NaN)]),
    );
  }
  return sorted(map);
}
