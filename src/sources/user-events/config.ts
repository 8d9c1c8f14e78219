/** The `userEvents` section: the UDP listener on port 9997, excluded users, and where user events go. */
import { z } from 'zod';
import type { SettingsCheck } from '../../config/kit/check.ts';
import { bool, enableOnly, list, nameValue, port, section, str, userRef } from '../../config/kit/fields.ts';
import { structuredMqtt } from '../../destinations/mqtt/config.ts';
import { udpServerConfig } from '../../udp/config.ts';

function mqttTopic(topic: string, what: string) {
  return section(
    {
      enable: bool(true, `Publish ${what}.`),
      topic: str(topic, `Topic for ${what}.`),
    },
    `Topic for ${what}.`,
  );
}

export const userEventsSchema = section(
  {
    enable: bool(false, 'Listen for user activity events (UDP).'),
    excludeUser: list(userRef, 'Users whose events are discarded.'),
    udpServerConfig: udpServerConfig(
      { portUserActivityEvents: port(9997, 'UDP port for user activity events.') },
      'user_events_queue',
      'user events',
    ),
    tags: list(nameValue, 'Static tags on user event points.'),
    sendToMQTT: section(
      {
        enable: bool(false, 'Publish user events to MQTT (also needs mqttConfig.enable).'),
        postTo: section(
          {
            everythingTopic: mqttTopic('qliksense/userevent', 'every user event'),
            sessionStartTopic: mqttTopic('qliksense/userevent/session/start', 'session start events'),
            sessionStopTopic: mqttTopic('qliksense/userevent/session/stop', 'session stop events'),
            connectionOpenTopic: mqttTopic('qliksense/userevent/connection/open', 'connection open events'),
            connectionCloseTopic: mqttTopic(
              'qliksense/userevent/connection/close',
              'connection close events',
            ),
          },
          'MQTT topics.',
        ),
        structured: structuredMqtt('user event'),
      },
      'User events to MQTT.',
    ),
    sendToInfluxdb: enableOnly(false, 'Store user events in InfluxDB (also needs influxdbConfig.enable).'),
    sendToNewRelic: section(
      {
        enable: bool(false, 'Send user events to New Relic (also needs newRelic.enable).'),
        destinationAccount: list(
          z.string(),
          'Account names; upstream also uses this list for engine health and proxy session metrics.',
        ),
        scramble: bool(true, 'Replace user directory and id with a digest before sending.'),
      },
      'User events to New Relic.',
    ),
  },
  'User activity events.',
);

export type UserEventsConfig = z.output<typeof userEventsSchema>;

export function checkUserEvents(s: { userEvents: UserEventsConfig }, check: SettingsCheck): void {
  if (!s.userEvents.enable) return;
  check.requireHost(
    ['userEvents', 'udpServerConfig', 'serverHost'],
    s.userEvents.udpServerConfig.serverHost,
    'userEvents.enable is true',
  );
}
