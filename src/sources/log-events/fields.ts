/**
 * Field-level rules shared by the log-event and user-event parsers
 * (docs/reference/udp-events.md#field-rules).
 *
 * Hand-written loops rather than regular expressions: these run for every field of every
 * datagram (tens of thousands per second), and a char-code scan with an early exit is
 * several times cheaper than a regex replace on the common, clean input.
 */

/**
 * Remove control characters (U+0000–U+001F, U+007F) and truncate to `max` UTF-16 code
 * units, never leaving half a surrogate pair at the cut.
 */
export function sanitise(value: string, max: number): string {
  let clean = value;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) {
      clean = stripControl(value, i);
      break;
    }
  }
  if (clean.length <= max) return clean;
  let end = max;
  const last = clean.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end--;
  return clean.slice(0, end);
}

function stripControl(value: string, from: number): string {
  let out = value.slice(0, from);
  let runStart = -1;
  for (let i = from; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) {
      if (runStart !== -1) {
        out += value.slice(runStart, i);
        runStart = -1;
      }
    } else if (runStart === -1) runStart = i;
  }
  if (runStart !== -1) out += value.slice(runStart);
  return out;
}

/**
 * A `%property{...}` value: log4net writes `(null)` for a property the event does not
 * carry. Upstream stores that text (making `user_full` `(null)\(null)`); we store "".
 */
export function property(value: string, max: number): string {
  return value === '(null)' ? '' : sanitise(value, max);
}

function isHex(c: number, upperAllowed: boolean): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66) || (upperAllowed && c >= 0x41 && c <= 0x46);
}

/** Log-event UUID rule: exactly 8-4-4-4-12 lower-case hex digits, else "". */
export function uuidOrEmpty(value: string): string {
  return isUuidShape(value, false) ? value : '';
}

export function isUuidShape(value: string, upperAllowed: boolean): boolean {
  if (value.length !== 36) return false;
  for (let i = 0; i < 36; i++) {
    const c = value.charCodeAt(i);
    if (i === 8 || i === 13 || i === 18 || i === 23) {
      if (c !== 0x2d) return false;
    } else if (!isHex(c, upperAllowed)) return false;
  }
  return true;
}

/**
 * User-event UUID rule (RFC 4122/9562): version digit 1–8 and variant 8/9/a/b, case-
 * insensitive; the nil and max UUIDs are accepted too.
 */
export function isRfcUuid(value: string): boolean {
  if (!isUuidShape(value, true)) return false;
  const lower = value.toLowerCase();
  if (lower === '00000000-0000-0000-0000-000000000000' || lower === 'ffffffff-ffff-ffff-ffff-ffffffffffff') {
    return true;
  }
  const version = lower.charCodeAt(14);
  const variant = lower.charCodeAt(19);
  return (
    version >= 0x31 &&
    version <= 0x38 &&
    (variant === 0x38 || variant === 0x39 || variant === 0x61 || variant === 0x62)
  );
}

/** Leading decimal integer (parseInt semantics: `12abc` → 12, `3.9` → 3), else `fallback`. */
export function leadingInt(value: string, fallback: number): number {
  const n = Number.parseInt(value, 10);
  return Number.isNaN(n) ? fallback : n;
}

/** Leading decimal number (parseFloat semantics), null when there is none. */
export function leadingFloat(value: string): number | null {
  const n = Number.parseFloat(value);
  return Number.isFinite(n) ? n : null;
}

function digitsAt(value: string, from: number, count: number): boolean {
  for (let i = from; i < from + count; i++) {
    const c = value.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return false;
  }
  return true;
}

/**
 * `ts_iso`: the value when it is a timestamp in a form Sense sends, else "".
 * Accepted: compact ISO-8601 `YYYYMMDDThhmmss.fff±hhmm` (what `%longIso8601date` really
 * produces) and the extended `YYYY-MM-DDThh:mm:ss.fff±hhmm` that upstream v14 expects.
 * Upstream v14 accepts only the latter, so it stores "" for all real Sense traffic.
 */
export function isoTimestampOrEmpty(value: string): string {
  const len = value.length;
  if (len === 24) {
    // 20241105T083015.120+0100
    const sign = value.charCodeAt(19);
    return digitsAt(value, 0, 8) &&
      value.charCodeAt(8) === 0x54 &&
      digitsAt(value, 9, 6) &&
      value.charCodeAt(15) === 0x2e &&
      digitsAt(value, 16, 3) &&
      (sign === 0x2b || sign === 0x2d) &&
      digitsAt(value, 20, 4)
      ? value
      : '';
  }
  if (len === 28) {
    // 2024-11-05T09:59:59.999+0100
    const sign = value.charCodeAt(23);
    return digitsAt(value, 0, 4) &&
      value.charCodeAt(4) === 0x2d &&
      digitsAt(value, 5, 2) &&
      value.charCodeAt(7) === 0x2d &&
      digitsAt(value, 8, 2) &&
      value.charCodeAt(10) === 0x54 &&
      digitsAt(value, 11, 2) &&
      value.charCodeAt(13) === 0x3a &&
      digitsAt(value, 14, 2) &&
      value.charCodeAt(16) === 0x3a &&
      digitsAt(value, 17, 2) &&
      digitsAt(value, 20, 3) &&
      (sign === 0x2b || sign === 0x2d) &&
      digitsAt(value, 24, 4)
      ? value
      : '';
  }
  return '';
}

/**
 * `ts_local`: the value when it is log4net's default `%date` (`yyyy-MM-dd HH:mm:ss,fff`)
 * or one of the ISO forms above, else "".
 */
export function localTimestampOrEmpty(value: string): string {
  if (value.length === 23) {
    // 2024-11-05 08:30:15,120
    return digitsAt(value, 0, 4) &&
      value.charCodeAt(4) === 0x2d &&
      digitsAt(value, 5, 2) &&
      value.charCodeAt(7) === 0x2d &&
      digitsAt(value, 8, 2) &&
      value.charCodeAt(10) === 0x20 &&
      digitsAt(value, 11, 2) &&
      value.charCodeAt(13) === 0x3a &&
      digitsAt(value, 14, 2) &&
      value.charCodeAt(16) === 0x3a &&
      digitsAt(value, 17, 2) &&
      (value.charCodeAt(19) === 0x2c || value.charCodeAt(19) === 0x2e) &&
      digitsAt(value, 20, 3)
      ? value
      : '';
  }
  return isoTimestampOrEmpty(value);
}

/** Remove trailing CR/LF (a custom appender pattern ending in `%newline`). */
export function trimLineEnd(text: string): string {
  let end = text.length;
  while (end > 0) {
    const c = text.charCodeAt(end - 1);
    if (c !== 0x0a && c !== 0x0d) break;
    end--;
  }
  return end === text.length ? text : text.slice(0, end);
}

/**
 * User normalisation (docs/reference/udp-events.md#user-normalisation): `dir\id` when both parts
 * are present; else split a received `user_full` (scheduler only) into its parts; else "".
 */
export function normaliseUser(
  directory: string,
  userId: string,
  userFull: string,
): { user_directory: string; user_id: string; user_full: string } {
  if (directory !== '' && userId !== '') {
    return { user_directory: directory, user_id: userId, user_full: `${directory}\\${userId}` };
  }
  if (userFull !== '' && directory === '' && userId === '') {
    const first = userFull.indexOf('\\');
    if (first !== -1) {
      const second = userFull.indexOf('\\', first + 1);
      return {
        user_directory: userFull.slice(0, first),
        user_id: second === -1 ? userFull.slice(first + 1) : userFull.slice(first + 1, second),
        user_full: userFull,
      };
    }
  }
  return { user_directory: directory, user_id: userId, user_full: '' };
}
