/** User activity events (`userEvents`): session start/stop and connection open/close over UDP, port 9997 by default. */
import type { SourcePlugin } from '../../components/source.ts';

export default {
  id: 'user-events',
  enabled: (settings) => settings.userEvents.enable,
  async create(context) {
    return (await import('./source.ts')).createUserEventsSource(context);
  },
} satisfies SourcePlugin;
