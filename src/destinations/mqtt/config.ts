/**
 * The MQTT broker's section (`mqttConfig`), and the structured-mode switches the event sections
 * embed in their `sendToMQTT`.
 */
import type { z } from 'zod';
import type { SettingsCheck } from '../../config/kit/check.ts';
import { bool, port, section, str } from '../../config/kit/fields.ts';

export const mqttConfigSchema = section(
  {
    enable: bool(false, 'Connect to an MQTT broker.'),
    brokerHost: str('', 'Broker host (required when enabled).'),
    brokerPort: port(1883, 'Broker port.'),
    baseTopic: str('butler-sos/', 'Base topic for health and session messages; should end with /.'),
  },
  'MQTT broker.',
);

export type MqttConfig = z.output<typeof mqttConfigSchema>;

/** Ours: the opt-in structured MQTT mode of an event section (docs/mqtt-structured-events.md). */
export function structuredMqtt(what: string) {
  return section(
    {
      enable: bool(
        false,
        `Also publish one JSON document per ${what} with every parsed field (this implementation).`,
      ),
      baseTopic: str('butler-sos/events', 'Base of the structured topics.'),
      retain: bool(false, 'Publish with the MQTT retain flag.'),
    },
    `Structured MQTT for ${what}s (this implementation).`,
  );
}

export function checkMqttConfig(s: { mqttConfig: MqttConfig }, check: SettingsCheck): void {
  if (s.mqttConfig.enable) {
    check.requireHost(['mqttConfig', 'brokerHost'], s.mqttConfig.brokerHost, 'mqttConfig.enable is true');
  }
}
