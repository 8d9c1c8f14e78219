/**
 * The user events source: datagrams from the proxy's log appender on the `userEvents` UDP
 * port, parsed (browser and OS from the user agent), filtered by `excludeUser`, counted, and
 * emitted as `user-event` records.
 */
import type { Source, SourceContext } from '../../components/source.ts';
import { udpEventSource } from '../../udp/event-source.ts';
import { haTimedUserEvents } from '../../udp/event-time.ts';

export function createUserEventsSource(context: SourceContext): Source {
  const { settings: s, log } = context;
  return udpEventSource(context, {
    queueType: 'user_events',
    logPrefix: 'USER EVENT',
    config: s.userEvents.udpServerConfig,
    port: s.userEvents.udpServerConfig.portUserActivityEvents,
    async createHandler() {
      // Loaded on start only: the user-agent parser is large.
      const { createUserEventHandler } = await import('./handler.ts');
      return createUserEventHandler({
        excludeUser: s.userEvents.excludeUser,
        eventCounters: context.counters.events,
        appNameOf: (appId) => context.appNames.nameOf(appId),
        emit: haTimedUserEvents(s.ha, context.emit),
        log,
      });
    },
  });
}
