/**
 * Poll samples as remote-write samples, with staleness: the scrape endpoint drops a server's
 * series when its poll fails or a series vanishes from a poll (an engine restarted with a new
 * version label, say). Pushed series have no scrape to vanish from, so the receiver is told
 * instead, with Prometheus' staleness marker at the time of the poll, and the series ends
 * there rather than lingering for five minutes.
 */
import type { PromSample } from '../../mapping/shapes.ts';
import type { RwSample } from './series.ts';
import { sampleValueOf } from './wire.ts';

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** Why a sample cannot be sent (as the scrape endpoint refuses it), or undefined. */
export function sampleProblem(sample: PromSample): string | undefined {
  if (!METRIC_NAME.test(sample.name)) return 'invalid metric name';
  if (typeof sample.value !== 'number') return 'value is not a number';
  for (const [label, value] of Object.entries(sample.labels)) {
    if (!LABEL_NAME.test(label) || label.startsWith('__')) return `invalid label name "${label}"`;
    if (typeof value !== 'string') return `label "${label}" is not a string`;
  }
  return undefined;
}

export function toRwSample(sample: PromSample, timeMs: number): RwSample {
  return { n: sample.name, l: sample.labels, v: sampleValueOf(sample.value), t: timeMs };
}

export class PollSeries {
  /** Per scope (server, or server and virtual proxy): its series last pushed, by key. */
  readonly #scopes = new Map<string, Map<string, RwSample>>();

  /** The samples of a poll, plus stale markers for the scope's series this poll no longer has. */
  publish(scope: string, samples: readonly PromSample[], timeMs: number): RwSample[] {
    const before = this.#scopes.get(scope);
    const now = new Map<string, RwSample>();
    const out: RwSample[] = [];
    for (const sample of samples) {
      const rw = toRwSample(sample, timeMs);
      now.set(seriesKey(rw), rw);
      out.push(rw);
    }
    for (const [key, old] of before ?? []) if (!now.has(key)) out.push({ ...old, v: 'stale', t: timeMs });
    this.#scopes.set(scope, now);
    return out;
  }

  /** Stale markers for every series of the scope (its poll failed); the scope is forgotten. */
  end(scope: string, timeMs: number): RwSample[] {
    const before = this.#scopes.get(scope);
    this.#scopes.delete(scope);
    return [...(before?.values() ?? [])].map((old) => ({ ...old, v: 'stale' as const, t: timeMs }));
  }
}

function seriesKey(sample: RwSample): string {
  const labels = Object.keys(sample.l)
    .sort()
    .map((name) => `${name}\u0000${sample.l[name]}`);
  return `${sample.n}\u0001${labels.join('\u0001')}`;
}
