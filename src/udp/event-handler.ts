/**
 * What the two UDP event pipelines (log events, user events) have in common: the
 * collaborators the agent passes in, and the handler plugged into the UDP listener.
 */
import type { RemoteInfo } from 'node:dgram';
import type { Logger } from '../logging/logger.ts';
import type { EventCounters } from '../records/event-counts.ts';
import type { EventStamp } from './event-clock.ts';

export interface UdpEventHandlerOptions<R> {
  /** Received-event counters (`qlikSenseEvents.eventCount.enable`); absent = not counted. */
  eventCounters?: EventCounters | undefined;
  /** App-name table lookup (from the QRS poller). */
  appNameOf?: ((appId: string) => string | undefined) | undefined;
  emit(record: R): void;
  log: Logger;
}

export interface UdpEventHandler<Rejection extends string> {
  /** Fits the UDP listener's `onDatagram`. */
  handle(buf: Buffer, rinfo: RemoteInfo, stamp: EventStamp): void;
  /** Datagrams turned into forwarded records, and the others by reason (cumulative). */
  stats(): { emitted: number; rejected: Record<Rejection, number> };
}
