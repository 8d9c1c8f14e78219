/**
 * The log-event pipeline for one datagram
 * (docs/reference/udp-events.md#dispatch-and-general-rules): source gate, parse, engine performance
 * monitor, counting, categorisation, then `emit` of the finished record. Plug `handle` into the UDP
 * listener's `onDatagram`; `emit` is where the router takes over.
 */
import type { EventCounters } from '../../records/event-counts.ts';
import type { LogEventRecord, LogEventRejection, LogEventSource } from '../../records/log-event.ts';
import { createRateLimitedLog } from '../../udp/drop-log.ts';
import type { UdpEventHandler, UdpEventHandlerOptions } from '../../udp/event-handler.ts';
import { type CategoriseInput, compileCategoriser } from './categorise.ts';
import { sanitise, trimLineEnd } from './fields.ts';
import { markerSource, parseLogEventDatagram } from './parse.ts';
import { compilePerfFilter, type MonitorFilterConfig } from './perf-monitor.ts';

/** Upstream config keys under `logEvents`, plus the collaborators the agent passes in. */
export interface LogEventHandlerOptions extends UdpEventHandlerOptions<LogEventRecord> {
  source: Record<'engine' | 'proxy' | 'repository' | 'scheduler' | 'qixPerf', { enable: boolean }>;
  categorise?: CategoriseInput | null;
  enginePerformanceMonitor?: {
    enable: boolean;
    appNameLookup?: { enable: boolean } | null;
    trackRejectedEvents?: { enable: boolean } | null;
    monitorFilter?: MonitorFilterConfig | null;
  } | null;
  /**
   * Rejected-event counters (`qlikSenseEvents.rejectedEventCount.enable` and
   * `trackRejectedEvents.enable`); absent = not counted (upstream crashes instead).
   */
  rejectedCounters?: EventCounters | undefined;
}

export type LogEventHandler = UdpEventHandler<LogEventRejection>;

const SOURCE_KEY: Record<LogEventSource, keyof LogEventHandlerOptions['source']> = {
  'qseow-engine': 'engine',
  'qseow-proxy': 'proxy',
  'qseow-repository': 'repository',
  'qseow-scheduler': 'scheduler',
  'qseow-qix-perf': 'qixPerf',
};

export function createLogEventHandler(opts: LogEventHandlerOptions): LogEventHandler {
  const enabled = new Set<LogEventSource>();
  for (const [source, key] of Object.entries(SOURCE_KEY) as [
    LogEventSource,
    keyof LogEventHandlerOptions['source'],
  ][]) {
    if (opts.source[key]?.enable) enabled.add(source);
  }
  const perf = opts.enginePerformanceMonitor;
  const perfEnabled = perf?.enable === true;
  const perfFilter = compilePerfFilter(perf?.monitorFilter ?? {});
  const appNameOf = perf?.appNameLookup?.enable ? opts.appNameOf : undefined;
  const trackRejected = perf?.trackRejectedEvents?.enable === true ? opts.rejectedCounters : undefined;
  const categorise = opts.categorise?.enable ? compileCategoriser(opts.categorise, opts.log) : undefined;
  const counters = opts.eventCounters;
  const rejectLog = createRateLimitedLog(opts.log, 'debug');
  const malformedLog = createRateLimitedLog(opts.log, 'warn');

  const rejected: Record<LogEventRejection, number> = {
    empty: 0,
    unknown_marker: 0,
    too_few_fields: 0,
    source_disabled: 0,
    perf_monitor_disabled: 0,
    perf_filter_rejected: 0,
    categorise_drop: 0,
  };
  let emitted = 0;

  function reject(reason: LogEventRejection, text: string): void {
    rejected[reason]++;
    const malformed = reason === 'empty' || reason === 'unknown_marker' || reason === 'too_few_fields';
    (malformed ? malformedLog : rejectLog).note(reason, `Log event datagram not forwarded (${reason})`, {
      reason,
      datagram: text.slice(0, 200),
    });
  }

  /** Count by the datagram's own fields (5 = host, 6 = subsystem), as v15 means to. */
  function countRaw(source: string, text: string): void {
    if (!counters) return;
    const p = text.split(';', 7);
    counters.count('log', source, sanitise(p[5] ?? '', 100), sanitise(p[6] ?? '', 200));
  }

  return {
    handle(buf, _rinfo, stamp) {
      const text = buf.toString('utf8');
      const semi = text.indexOf(';');
      const source = markerSource(trimLineEnd(semi === -1 ? text : text.slice(0, semi)));
      if (source === undefined) {
        counters?.count('log', 'Unknown', 'Unknown', 'Unknown');
        reject(trimLineEnd(text).length === 0 ? 'empty' : 'unknown_marker', text);
        return;
      }
      if (!enabled.has(source)) {
        countRaw(source, text);
        reject('source_disabled', text);
        return;
      }
      if (source === 'qseow-qix-perf' && !perfEnabled) {
        countRaw(source, text);
        reject('perf_monitor_disabled', text);
        return;
      }
      const result = parseLogEventDatagram(text, {
        receivedAtMs: stamp.timeMs,
        timeNsOffset: stamp.timeNsOffset,
        appNameOf,
      });
      if (!result.ok) {
        countRaw(source, text);
        reject(result.reason, text);
        return;
      }
      const event = result.event;
      if (result.perf !== undefined && !perfFilter(result.perf)) {
        const p = result.perf;
        const processTime = event.source === 'qseow-qix-perf' ? event.process_time : null;
        trackRejected?.countRejected(p.appId, p.appName, p.method, p.objectType, processTime);
        reject('perf_filter_rejected', text);
        return;
      }
      counters?.count('log', event.source, event.host, event.subsystem);
      if (categorise !== undefined) {
        const c = categorise(event.level, 'message' in event ? event.message : '');
        if (c.action === 'dropped') {
          reject('categorise_drop', text);
          return;
        }
        event.category = c.category;
      }
      emitted++;
      opts.emit(event);
    },
    stats: () => ({ emitted, rejected: { ...rejected } }),
  };
}
