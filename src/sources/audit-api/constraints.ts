/**
 * The checks after the schema and the token (docs/reference/audit-api.md#the-envelope): the
 * envelope's constraints (every violation listed, in a fixed order) and the Audit.qs version
 * compatibility rule. Both answer 422.
 */
import type { AuditEnvelope } from '../../records/audit-event.ts';
import { isPlainObject } from './envelope-schema.ts';
import { UUID_PATTERN } from './formats.ts';

const EVENT_TYPES = new Set([
  'selection.state.changed',
  'object.visibility.changed',
  'object.view.duration',
  'navigation.sheet.loaded',
  'app.model.validated',
  'screenshot.url.received',
  'event.bookmark',
  'event.unsupported.visualization',
  'audit.event',
]);

export function isKnownEventType(type: string): boolean {
  return EVENT_TYPES.has(type) || /^event\..+$/s.test(type);
}

/** Every constraint the envelope violates, as upstream words them (empty: none). */
export function constraintViolations(envelope: AuditEnvelope): { message: string }[] {
  const errors: { message: string }[] = [];
  if (!UUID_PATTERN.test(envelope.eventId)) {
    errors.push({ message: `eventId is not a valid UUID ("${envelope.eventId}")` });
  }
  const correlationId = envelope.correlationId;
  if (correlationId !== undefined && correlationId.length > 64) {
    errors.push({ message: `correlationId exceeds 64 characters (length=${correlationId.length})` });
  }
  const context = envelope.payload.context;
  const appId = isPlainObject(context) ? context.appId : undefined;
  if (appId !== undefined && !(typeof appId === 'string' && UUID_PATTERN.test(appId))) {
    errors.push({ message: `payload.context.appId is not a valid UUID ("${String(appId)}")` });
  }
  if (!isKnownEventType(envelope.type)) {
    errors.push({ message: `type is not a recognised event type ("${envelope.type}")` });
  }
  return errors;
}

/** The API level this implementation speaks, reported to the extension. */
export const BUTLER_SOS_API_VERSION = '15.0.1';

/** The client version: the first value of `X-Audit-QS-Version`, else `source.version`. */
export function clientVersionOf(
  header: string | string[] | undefined,
  envelope?: AuditEnvelope,
): string | null {
  const first = (Array.isArray(header) ? header[0] : header)?.split(',')[0]?.trim();
  if (first) return first;
  const fromSource = envelope?.source?.version;
  return typeof fromSource === 'string' && fromSource !== '' ? fromSource : null;
}

/**
 * Audit.qs versions that Butler SOS 15.x accepts: a strict `x.y.z` (a leading `v` tolerated,
 * no pre-release) with 0.3.0 ≤ version < 0.5.0.
 */
export function isCompatibleVersion(version: string): boolean {
  const m = /^v?(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$/.exec(version);
  if (!m) return false;
  const [major, minor] = [Number(m[1]), Number(m[2])];
  return major === 0 && minor >= 3 && minor < 5;
}
