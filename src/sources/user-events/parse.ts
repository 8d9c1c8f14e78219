/**
 * User-event datagram parser (docs/reference/udp-events.md#user-event-parsing): one UDP datagram's
 * text → one typed record, or a reason for rejecting it. Pure apart from a bounded user-agent
 * cache.
 *
 * Deliberate differences from upstream v14 (each covered by a test):
 * - Datagrams with fewer than the layout's 8 fields are rejected (v14 forwards them with
 *   the text `undefined` in the missing fields).
 * - `(null)` property values become "".
 * - Trailing CR/LF is removed.
 * Exclusion (`userEvents.excludeUser`) is applied by the caller, after counting.
 */
import type { UserEventMessageType, UserEventRecord, UserEventRejection } from '../../records/user-event.ts';
import { isRfcUuid, property, sanitise, trimLineEnd } from '../log-events/fields.ts';
import { extractUserAgent, parseUserAgent } from './user-agent.ts';

export interface ParseUserEventOptions {
  receivedAtMs: number;
  timeNsOffset: number;
  /** App-name table lookup; absent or unknown id → `<unknown app name>`. */
  appNameOf?: ((appId: string) => string | undefined) | undefined;
}

export type ParseUserEventResult =
  | { ok: true; event: UserEventRecord }
  | {
      ok: false;
      reason: UserEventRejection;
      messageType?: UserEventMessageType;
      host?: string;
      origin?: string;
    };

export const USER_EVENT_FIELD_COUNT = 8;
export const UNKNOWN_APP_NAME = '<unknown app name>';

/** Upstream's marker rule: lower-case, remove the first two `/`, compare. */
export function userEventMarker(first: string): UserEventMessageType | undefined {
  if (first.length > 40) return undefined;
  const m = first.toLowerCase().replace('/', '').replace('/', '');
  return m === 'qseow-proxy-session' || m === 'qseow-proxy-connection' ? m : undefined;
}

/** The fields 0–6, and everything after the 7th `;` as the message (which may contain `;`). */
function splitEight(text: string): string[] {
  const out: string[] = [];
  let from = 0;
  for (let i = 0; i < 7; i++) {
    const at = text.indexOf(';', from);
    if (at === -1) break;
    out.push(text.slice(from, at));
    from = at + 1;
  }
  out.push(text.slice(from));
  return out;
}

function appIdFromContext(context: string): string | undefined {
  if (!context.startsWith('/app/')) return undefined;
  const q = context.indexOf('?', 5);
  const candidate = q === -1 ? context.slice(5) : context.slice(5, q);
  return isRfcUuid(candidate) ? candidate : undefined;
}

export function parseUserEventDatagram(text: string, opts: ParseUserEventOptions): ParseUserEventResult {
  const clean = trimLineEnd(text);
  if (clean.length === 0) return { ok: false, reason: 'empty' };
  const f = splitEight(clean);
  const messageType = userEventMarker(f[0]!);
  if (messageType === undefined) return { ok: false, reason: 'unknown_marker' };
  if (f.length < USER_EVENT_FIELD_COUNT) {
    return { ok: false, reason: 'too_few_fields', messageType, host: f[1], origin: f[5] };
  }
  const userDirectory = property(f[3]!, 100);
  const userId = property(f[4]!, 100);
  const context = property(f[6]!, 500);
  const message = sanitise(f[7]!, 1000);
  const event: UserEventRecord = {
    messageType,
    host: sanitise(f[1]!, 100),
    command: property(f[2]!, 100),
    user_directory: userDirectory,
    user_id: userId,
    origin: property(f[5]!, 200),
    context,
    message,
    user_full: userDirectory !== '' && userId !== '' ? `${userDirectory}\\${userId}` : '',
    receivedAtMs: opts.receivedAtMs,
    timeNsOffset: opts.timeNsOffset,
    kind: 'user-event',
  };
  const appId = appIdFromContext(context);
  if (appId !== undefined) {
    event.appId = appId;
    event.appName = sanitise(opts.appNameOf?.(appId) || UNKNOWN_APP_NAME, 200);
  }
  const ua = extractUserAgent(message);
  if (ua !== undefined) event.ua = parseUserAgent(ua);
  return { ok: true, event };
}
