/**
 * The log events source: datagrams from the Sense log appenders on the `logEvents` UDP port,
 * parsed, filtered (engine performance monitor), categorised and counted by the handler, and
 * emitted as `log-event` records.
 */
import type { Source, SourceContext } from '../../components/source.ts';
import { udpEventSource } from '../../udp/event-source.ts';
import { haTimedLogEvents } from '../../udp/event-time.ts';
import { createLogEventHandler } from './handler.ts';

export function createLogEventsSource(context: SourceContext): Source {
  const { settings: s, log } = context;
  const perf = s.logEvents.enginePerformanceMonitor;
  return udpEventSource(context, {
    queueType: 'log_events',
    logPrefix: 'LOG EVENT',
    config: s.logEvents.udpServerConfig,
    port: s.logEvents.udpServerConfig.portLogEvents,
    createHandler: () =>
      createLogEventHandler({
        source: s.logEvents.source,
        categorise: s.logEvents.categorise,
        enginePerformanceMonitor: perf,
        eventCounters: context.counters.events,
        rejectedCounters: context.counters.rejected,
        appNameOf: perf.appNameLookup.enable ? (appId) => context.appNames.nameOf(appId) : undefined,
        emit: haTimedLogEvents(s.ha, context.emit),
        log,
      }),
  });
}
