/** NDJSON files (`fileOutput`): every record as one JSON object per line, for log shippers. */
import type { DestinationPlugin } from '../../components/destination.ts';

export default {
  id: 'file',
  enabled: (settings) => settings.fileOutput.enable,
  async create(context) {
    return (await import('./destination.ts')).createFileDestination(context);
  },
} satisfies DestinationPlugin;
