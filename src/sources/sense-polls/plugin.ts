/**
 * The Sense polls (`serversToMonitor`, `userSessions`, `appNames`, `cert`): engine health and
 * proxy sessions per server, and the app names from the repository service.
 */
import type { SourcePlugin } from '../../components/source.ts';

export default {
  id: 'sense-polls',
  // Always on: with no server listed it says so once, as upstream does.
  enabled: () => true,
  async create(context) {
    return (await import('./source.ts')).createSensePollsSource(context);
  },
} satisfies SourcePlugin;
