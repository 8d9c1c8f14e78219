/**
 * Every record a source emits, as one union tagged by `kind`. The router hands each record to
 * the destinations that accept its kind; a destination picks the mapping for that kind.
 */
import type { AppNamesRecord } from './app-names.ts';
import type { AuditEventRecord, AuditQueueRecord } from './audit-event.ts';
import type { EngineHealthRecord } from './engine-health.ts';
import type { ErrorEventRecord } from './error-event.ts';
import type { EventCountsRecord } from './event-counts.ts';
import type { FailedPollRecord } from './failed-poll.ts';
import type { LogEventRecord } from './log-event.ts';
import type { LogDbRecord } from './logdb.ts';
import type { ProxySessionsRecord } from './proxy-sessions.ts';
import type { UdpQueueRecord } from './udp-queue.ts';
import type { UptimeRecord } from './uptime.ts';
import type { UserEventRecord } from './user-event.ts';

export type AgentRecord =
  | EngineHealthRecord
  | ProxySessionsRecord
  | AppNamesRecord
  | FailedPollRecord
  | LogEventRecord
  | UserEventRecord
  | EventCountsRecord
  | UdpQueueRecord
  | UptimeRecord
  | ErrorEventRecord
  | LogDbRecord
  | AuditEventRecord
  | AuditQueueRecord;

export type RecordKind = AgentRecord['kind'];

/** The record type of one kind. */
export type RecordOf<K extends RecordKind> = Extract<AgentRecord, { kind: K }>;

/** Every kind, in the order status pages list them. */
export const RECORD_KINDS = [
  'engine-health',
  'proxy-sessions',
  'app-names',
  'failed-poll',
  'log-event',
  'user-event',
  'event-counts',
  'udp-queue',
  'uptime',
  'error-event',
  'logdb',
  'audit-event',
  'audit-queue',
] as const satisfies readonly RecordKind[];

/** One function per record kind a consumer handles; kinds it leaves out are not accepted. */
export type PerKind<R> = { [K in RecordKind]?: (record: RecordOf<K>) => R };

/** Calls the function of `record`'s kind (the lookup TypeScript cannot narrow by itself). */
export function forKind<R>(handlers: PerKind<R>, record: AgentRecord): R | undefined {
  const handle = handlers[record.kind] as ((record: AgentRecord) => R) | undefined;
  return handle?.(record);
}

/** The same kinds, each result passed through `then` (e.g. points encoded to lines). */
export function mapPerKind<A, B>(handlers: PerKind<A>, then: (result: A) => B): PerKind<B> {
  const out: Record<string, (record: AgentRecord) => B> = {};
  for (const [kind, handle] of Object.entries(handlers) as [RecordKind, (record: AgentRecord) => A][]) {
    if (handle !== undefined) out[kind] = (record) => then(handle(record));
  }
  return out as PerKind<B>;
}
