/**
 * New Relic (`newRelic`, `thirdPartyToolsCredentials.newRelic`): health and session metrics,
 * log and user events, and the agent's uptime, per account.
 */
import type { DestinationPlugin } from '../../components/destination.ts';

export default {
  id: 'new-relic',
  enabled: (settings) => settings.newRelic.enable || settings.uptimeMonitor.storeNewRelic.enable,
  async create(context) {
    return (await import('./destination.ts')).createNewRelicDestination(context);
  },
} satisfies DestinationPlugin;
