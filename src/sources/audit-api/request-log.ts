/**
 * What the audit API says about refused requests: a counter per reason (for /metrics) and the
 * log lines operators grep for (`AUDIT API: Unauthorized request …`), each kind at most once
 * per 10 s with the number left unsaid since, so a flood of bad requests cannot flood the log.
 * Warnings about requests without a version are once per minute per client IP, as upstream.
 */
import type { Logger } from '../../logging/logger.ts';
import type { AuditEnvelope } from '../../records/audit-event.ts';
import type { SchemaError } from './envelope-schema.ts';
import type { PayloadError } from './payload-schemas.ts';

export type RefusalReason =
  | 'rate_limited'
  | 'unsupported_media_type'
  | 'too_large'
  | 'unparsable'
  | 'refused'
  | 'schema'
  | 'unauthorized'
  | 'constraints'
  | 'incompatible_version'
  | 'payload'
  | 'tls_failed';

export type IntakeCounters = Record<RefusalReason, number>;

const LOG_INTERVAL_MS = 10_000;
const VERSION_WARN_MS = 60_000;

export class RequestLog {
  readonly counters: IntakeCounters = {
    rate_limited: 0,
    unsupported_media_type: 0,
    too_large: 0,
    unparsable: 0,
    refused: 0,
    schema: 0,
    unauthorized: 0,
    constraints: 0,
    incompatible_version: 0,
    payload: 0,
    tls_failed: 0,
  };
  readonly #log: Logger;
  readonly #last = new Map<string, { at: number; skipped: number }>();
  readonly #versionless = new Map<string, { since: number; count: number }>();

  constructor(log: Logger) {
    this.#log = log;
  }

  count(reason: RefusalReason): void {
    this.counters[reason]++;
  }

  rateLimited(ip: string, url: string): void {
    this.count('rate_limited');
    this.#warn('rate', `AUDIT API: HTTP rate limit exceeded ip=${ip} url=${url} key=${ip}`);
  }

  unauthorized(ip: string, method: string, url: string): void {
    this.count('unauthorized');
    this.#warn('auth', `AUDIT API: Unauthorized request ip=${ip} method=${method} url=${url}`);
  }

  schemaFailed(ip: string, error: SchemaError): void {
    this.count('schema');
    this.#warn(
      'schema',
      `AUDIT API: Fastify schema validation failed for ip=${ip} errors=${JSON.stringify([error])}`,
    );
  }

  constraintsFailed(envelope: AuditEnvelope, errors: { message: string }[]): void {
    this.count('constraints');
    const list = errors.map((e) => e.message).join('; ');
    this.#warn(
      'constraints',
      `AUDIT API: Dropped audit event - constraint violations: ${list} [eventId=${envelope.eventId} type=${envelope.type}]`,
    );
  }

  incompatible(version: string): void {
    this.count('incompatible_version');
    this.#warn(
      'version',
      `AUDIT API: Dropped audit event from incompatible Audit.qs version ${version} message=accepted: >=0.3.0 <0.5.0`,
    );
  }

  payloadFailed(envelope: AuditEnvelope, errors: PayloadError[]): void {
    this.count('payload');
    const list = errors.map((e) => `${e.instancePath} ${e.message}`).join('; ');
    this.#warn(
      'payload',
      `AUDIT API: Payload validation failed type=${envelope.type} eventId=${envelope.eventId} errors=${list}`,
    );
  }

  /** An event without a version: debug each, warn once a minute per IP. */
  versionMissing(ip: string, now = Date.now()): void {
    this.#log.debug(`AUDIT API: audit event without Audit.qs version from ip=${ip}`);
    let state = this.#versionless.get(ip);
    if (!state) {
      if (this.#versionless.size > 10_000) this.#versionless.clear();
      state = { since: 0, count: 0 };
      this.#versionless.set(ip, state);
    }
    state.count++;
    if (now - state.since < VERSION_WARN_MS) return;
    this.#log.warn(
      `AUDIT API: Received audit event(s) without version info ip=${ip} missingVersionCount=${state.count} windowSeconds=60`,
    );
    state.since = now;
    state.count = 0;
  }

  #warn(kind: string, message: string, now = Date.now()): void {
    const last = this.#last.get(kind);
    if (last && now - last.at < LOG_INTERVAL_MS) {
      last.skipped++;
      return;
    }
    const skipped = last?.skipped ?? 0;
    this.#last.set(kind, { at: now, skipped: 0 });
    this.#log.warn(skipped > 0 ? `${message} (and ${skipped} more like it since the last warning)` : message);
  }
}
