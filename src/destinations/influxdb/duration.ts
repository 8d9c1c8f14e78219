/**
 * InfluxDB duration literals (`10d`, `1h30m`, `52w`, `INF`), as used by the retention
 * settings `v1Config.retentionPolicy.duration` and `v2Config.retentionDuration`.
 */
const UNIT_SECONDS: Record<string, number> = {
  ns: 1e-9,
  us: 1e-6,
  µs: 1e-6,
  u: 1e-6,
  µ: 1e-6,
  ms: 1e-3,
  s: 1,
  m: 60,
  h: 3600,
  d: 86_400,
  w: 604_800,
};

const DURATION = /^(\d+(ns|us|µs|ms|u|µ|s|m|h|d|w))+$/;
const PART = /(\d+)(ns|us|µs|ms|u|µ|s|m|h|d|w)/g;

/** True for a duration InfluxQL accepts after `DURATION` (also `INF`). */
export function isInfluxDuration(text: string): boolean {
  return /^inf$/i.test(text) || DURATION.test(text);
}

/** Whole seconds of a duration; 0 for `INF` or `0` (= keep forever); undefined if invalid. */
export function durationSeconds(text: string): number | undefined {
  const t = text.trim();
  if (/^inf$/i.test(t) || t === '0') return 0;
  if (!DURATION.test(t)) return undefined;
  let seconds = 0;
  for (const match of t.matchAll(PART)) seconds += Number(match[1]) * UNIT_SECONDS[match[2]!]!;
  return Math.floor(seconds);
}
