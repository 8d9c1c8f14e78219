/**
 * The string formats the audit API checks, as JSON Schema defines them (RFC 3339 date-time,
 * UUID, absolute URI), written from the specifications so that the same inputs pass and fail
 * as in upstream's validator.
 */

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const TIME = /^(\d{2}):(\d{2}):(\d{2}(?:\.\d+)?)(?:([zZ])|([+-])(\d{2})(?::?(\d{2})))$/;
const DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function isLeapYear(year: number): boolean {
  return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
}

function isDate(text: string): boolean {
  const m = DATE.exec(text);
  if (!m) return false;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  if (month < 1 || month > 12 || day < 1) return false;
  return day <= (month === 2 && isLeapYear(year) ? 29 : DAYS[month - 1]!);
}

/** A time with seconds and a zone; a leap second is 23:59:60 in UTC once the offset is applied. */
function isTime(text: string): boolean {
  const m = TIME.exec(text);
  if (!m) return false;
  const hour = Number(m[1]);
  const minute = Number(m[2]);
  const second = Number(m[3]);
  const sign = m[5] === '-' ? -1 : 1;
  const zoneHours = Number(m[6] ?? 0);
  const zoneMinutes = Number(m[7] ?? 0);
  if (zoneHours > 23 || zoneMinutes > 59) return false;
  if (hour <= 23 && minute <= 59 && second < 60) return true;
  const utcMinute = minute - zoneMinutes * sign;
  const utcHour = hour - zoneHours * sign - (utcMinute < 0 ? 1 : 0);
  return (utcHour === 23 || utcHour === -1) && (utcMinute === 59 || utcMinute === -1) && second < 61;
}

/** RFC 3339 `date-time`: date, `T`/`t`/space, time with seconds, optional fraction, a zone. */
export function isDateTime(text: string): boolean {
  const parts = text.split(/[tT\s]/);
  return parts.length === 2 && isDate(parts[0]!) && isTime(parts[1]!);
}

/** JSON Schema `uuid`: 8-4-4-4-12 hex digits, any case, optionally prefixed `urn:uuid:`. */
export function isUuidFormat(text: string): boolean {
  return /^(?:urn:uuid:)?[0-9a-f]{8}-(?:[0-9a-f]{4}-){3}[0-9a-f]{12}$/i.test(text);
}

/** The stricter UUID pattern of the envelope constraints (no prefix). */
export const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * JSON Schema `uri`: an absolute URI (RFC 3986) with any scheme. Checks the scheme and that
 * every character is allowed in a URI (percent escapes well formed); the authority, when
 * present, must not hold spaces. `relative/path` and `//host/x` fail.
 */
export function isAbsoluteUri(text: string): boolean {
  const m = /^([a-z][a-z0-9+.-]*):(.*)$/is.exec(text);
  if (!m) return false;
  const rest = m[2]!;
  if (!/^(?:[A-Za-z0-9\-._~!$&'()*+,;=:@/?#[\]]|%[0-9a-f]{2})*$/i.test(rest)) return false;
  if (rest.startsWith('//')) {
    const authority = rest.slice(2).split(/[/?#]/, 1)[0]!;
    const host = authority.slice(authority.lastIndexOf('@') + 1);
    if (host.startsWith('[')) return /^\[[0-9a-f:.]+\](?::\d*)?$/i.test(host);
    return /^[^:[\]]*(?::\d*)?$/.test(host);
  }
  return true;
}
