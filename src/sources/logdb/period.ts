/**
 * `logdb.queryPeriod`: the PostgreSQL interval forms the log database poller accepts
 * ("5 minutes", "1 hour", ...). Used by the poller at start and by the config checks.
 */
const LOGDB_PERIOD = /^\s*(\d{1,6})\s*(second|minute|hour|day)s?\s*$/i;
const PERIOD_UNIT_MS: Record<string, number> = {
  second: 1000,
  minute: 60_000,
  hour: 3_600_000,
  day: 86_400_000,
};

/** `logdb.queryPeriod` in ms, or undefined when it is not a period the poller accepts. */
export function logDbPeriodMs(period: string): number | undefined {
  const match = LOGDB_PERIOD.exec(period);
  if (!match?.[1] || !match[2]) return undefined;
  return Number(match[1]) * (PERIOD_UNIT_MS[match[2].toLowerCase()] ?? Number.NaN);
}
