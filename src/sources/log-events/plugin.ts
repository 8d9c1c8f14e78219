/** Log events (`logEvents`): warnings, errors and engine performance events over UDP, port 9996 by default. */
import type { SourcePlugin } from '../../components/source.ts';

/** The listener starts when some log-event source is switched on (the section has no switch of its own). */
export function logEventListenerStarts(settings: {
  logEvents: { source: Record<string, { enable: boolean }> };
}): boolean {
  return Object.values(settings.logEvents.source).some((source) => source.enable);
}

export default {
  id: 'log-events',
  enabled: logEventListenerStarts,
  async create(context) {
    return (await import('./source.ts')).createLogEventsSource(context);
  },
} satisfies SourcePlugin;
