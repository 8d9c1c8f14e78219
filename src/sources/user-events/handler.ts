/**
 * The user-event pipeline for one datagram (docs/reference/udp-events.md#user-event-parsing):
 * parse, count, exclude users, then `emit` the finished record. Plug `handle` into the UDP
 * listener's `onDatagram`; `emit` is where the router takes over.
 */
import type { UserEventRecord, UserEventRejection } from '../../records/user-event.ts';
import { createRateLimitedLog } from '../../udp/drop-log.ts';
import type { UdpEventHandler, UdpEventHandlerOptions } from '../../udp/event-handler.ts';
import { sanitise } from '../log-events/fields.ts';
import { parseUserEventDatagram } from './parse.ts';

export interface UserEventHandlerOptions extends UdpEventHandlerOptions<UserEventRecord> {
  /** `userEvents.excludeUser` (exact, case-sensitive; null = none). */
  excludeUser?: { directory: string; userId: string }[] | null;
}

export type UserEventHandler = UdpEventHandler<UserEventRejection>;

export function createUserEventHandler(opts: UserEventHandlerOptions): UserEventHandler {
  const excluded = new Set((opts.excludeUser ?? []).map((u) => `${u.directory}\u0000${u.userId}`));
  const counters = opts.eventCounters;
  const malformedLog = createRateLimitedLog(opts.log, 'warn');
  const rejected: Record<UserEventRejection, number> = {
    empty: 0,
    unknown_marker: 0,
    too_few_fields: 0,
    excluded_user: 0,
  };
  let emitted = 0;

  return {
    handle(buf, _rinfo, stamp) {
      const text = buf.toString('utf8');
      const result = parseUserEventDatagram(text, {
        receivedAtMs: stamp.timeMs,
        timeNsOffset: stamp.timeNsOffset,
        appNameOf: opts.appNameOf,
      });
      if (!result.ok) {
        rejected[result.reason]++;
        if (result.messageType === undefined) counters?.count('user', 'Unknown', 'Unknown', 'Unknown');
        else
          counters?.count(
            'user',
            result.messageType,
            sanitise(result.host ?? '', 100),
            sanitise(result.origin ?? '', 200),
          );
        malformedLog.note(result.reason, `User event datagram not forwarded (${result.reason})`, {
          reason: result.reason,
          datagram: text.slice(0, 512),
        });
        return;
      }
      const event = result.event;
      // As upstream: counted under the origin as "subsystem", before the exclusion check.
      counters?.count('user', event.messageType, event.host, event.origin);
      if (excluded.size > 0 && excluded.has(`${event.user_directory}\u0000${event.user_id}`)) {
        rejected.excluded_user++;
        return;
      }
      emitted++;
      opts.emit(event);
    },
    stats: () => ({ emitted, rejected: { ...rejected } }),
  };
}
