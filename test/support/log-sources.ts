/**
 * The log-event handler settings under which every datagram kind is parsed: all five sources
 * on, the engine performance monitor on all apps with app names and rejected events. The
 * in-process benches and the fuzz test feed every kind, so they share these rather than each
 * spelling them out (and drifting apart).
 */
import type { LogEventHandlerOptions } from '../../src/sources/log-events/handler.ts';

/** Fresh objects per call, so one handler's settings are never another's. */
export function everyLogSource(): Pick<LogEventHandlerOptions, 'source' | 'enginePerformanceMonitor'> {
  const on = { enable: true };
  return {
    source: { engine: on, proxy: on, repository: on, scheduler: on, qixPerf: on },
    enginePerformanceMonitor: {
      enable: true,
      appNameLookup: on,
      trackRejectedEvents: on,
      monitorFilter: { allApps: { enable: true, objectType: null, method: null } },
    },
  };
}
