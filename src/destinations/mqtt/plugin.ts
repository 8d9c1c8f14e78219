/** MQTT (`mqttConfig`): health values, session counts, log and user events as upstream publishes them. */
import type { DestinationPlugin } from '../../components/destination.ts';

export default {
  id: 'mqtt',
  enabled: (settings) => settings.mqttConfig.enable,
  async create(context) {
    // Loaded only when enabled: the MQTT client costs memory at start.
    return (await import('./destination.ts')).createMqttDestination(context);
  },
} satisfies DestinationPlugin;
