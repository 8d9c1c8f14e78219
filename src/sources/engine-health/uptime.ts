/**
 * The engine uptime text of `sense_server.uptime` (docs/reference/influxdb.md#engine-uptime-text),
 * quirks included: `started` is read as local time (its offset ignored) and the hour part is read
 * from a local-time Date built from the elapsed milliseconds, so it is shifted by the host's UTC
 * offset, exactly as upstream. Dashboards show this text as is.
 */
export function engineUptimeText(started: unknown, nowMs: number): string {
  if (typeof started !== 'string' || started.length < 15) return '';
  const part = (from: number, to: number): number => {
    const text = started.slice(from, to);
    return /^\d+$/.test(text) ? Number(text) : Number.NaN;
  };
  const year = part(0, 4);
  const month = part(4, 6);
  const day = part(6, 8);
  const hour = part(9, 11);
  const minute = part(11, 13);
  const second = part(13, 15);
  if ([year, month, day, hour, minute, second].some(Number.isNaN)) return '';
  const startedMs = new Date(year, month - 1, day, hour, minute, second).getTime();
  const diff = nowMs - startedMs;
  if (!Number.isFinite(diff)) return '';
  const days = Math.trunc(diff / 86_400_000);
  const elapsed = new Date(diff);
  const mm = String(elapsed.getMinutes()).padStart(2, '0');
  const ss = String(elapsed.getSeconds()).padStart(2, '0');
  return `${days} days, ${elapsed.getHours()}h ${mm}m ${ss}s`;
}
