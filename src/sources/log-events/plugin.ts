/** Log events (`logEvents`): warnings, errors and engine performance events over UDP, port 9996 by default. */
import type { SourcePlugin } from '../../components/source.ts';

export default {
  id: 'log-events',
  enabled: (settings) => Object.values(settings.logEvents.source).some((source) => source.enable),
  async create(context) {
    return (await import('./source.ts')).createLogEventsSource(context);
  },
} satisfies SourcePlugin;
