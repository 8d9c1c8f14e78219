/** Prometheus remote write (`remoteWrite`, ours): every metric of the scrape endpoint, pushed to one or more receivers. */
import type { DestinationPlugin } from '../../components/destination.ts';

export default {
  id: 'remote-write',
  enabled: (settings) => settings.remoteWrite.enable,
  async create(context) {
    return (await import('./destination.ts')).createRemoteWriteDestination(context);
  },
} satisfies DestinationPlugin;
