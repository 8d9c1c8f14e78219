/** InfluxDB (`influxdbConfig`): every measurement upstream Butler SOS writes, in v1, v2 or v3. */
import type { DestinationPlugin } from '../../components/destination.ts';

export default {
  id: 'influxdb',
  enabled: (settings) => settings.influxdbConfig.enable,
  async create(context) {
    // Loaded only when enabled: the sink and its HTTP client cost memory at start.
    return (await import('./destination.ts')).createInfluxDestination(context);
  },
} satisfies DestinationPlugin;
