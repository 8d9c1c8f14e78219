/**
 * MQTT as a destination: each accepted record becomes upstream's messages, published with
 * QoS 1 so a batch counts as delivered only when the broker acknowledged it. The client
 * connects on start.
 */
import type { Destination, DestinationContext } from '../../components/destination.ts';
import { queuedDestination } from '../../components/queued-destination.ts';
import type { DeliverySink } from '../../delivery/types.ts';
import { engineHealthToMqtt } from '../../mapping/engine-health.ts';
import { logEventToMqtt } from '../../mapping/log-event.ts';
import { logDbRowToMqtt } from '../../mapping/logdb.ts';
import { proxySessionsToMqtt } from '../../mapping/proxy-sessions.ts';
import type { MqttMessage } from '../../mapping/shapes.ts';
import { userEventToMqtt } from '../../mapping/user-event.ts';
import type { PerKind } from '../../records/record.ts';
import { createMqttSink, type MqttSink } from './mqtt-sink.ts';

export function createMqttDestination(context: DestinationContext): Destination {
  const { settings: s, log } = context;
  const { brokerHost, brokerPort } = s.mqttConfig;
  let sink: MqttSink | undefined;
  // The queue exists from creation; the client (and its connection) only from start.
  const lazySink: DeliverySink<MqttMessage> = {
    write(batch, signal) {
      if (!sink) return Promise.reject(new Error('MQTT client not started'));
      return sink.write(batch, signal);
    },
  };
  return queuedDestination({
    name: `MQTT at ${brokerHost}:${brokerPort}`,
    context,
    sink: lazySink,
    maxBatchSize: 500,
    mappings: mqttMappings(context),
    start() {
      sink = createMqttSink({ brokerHost, brokerPort, log });
    },
    close: () => sink?.close(),
  });
}

function mqttMappings({ settings: s }: DestinationContext): PerKind<readonly MqttMessage[]> {
  const mqttConfig = s.mqttConfig;
  const mappings: PerKind<readonly MqttMessage[]> = {
    'engine-health': (r) => engineHealthToMqtt(r, { mqttConfig }),
    'proxy-sessions': (r) => proxySessionsToMqtt(r, { mqttConfig }),
    // Every log database row (upstream published them only when InfluxDB was on: a bug).
    logdb: (r) => [logDbRowToMqtt(r, mqttConfig.baseTopic)],
  };
  if (s.logEvents.sendToMQTT.enable) {
    const config = { sendToMQTT: s.logEvents.sendToMQTT, tags: s.logEvents.tags };
    mappings['log-event'] = (r) => logEventToMqtt(r, config);
  }
  if (s.userEvents.sendToMQTT.enable) {
    const config = {
      sendToMQTT: s.userEvents.sendToMQTT,
      sendToNewRelic: s.userEvents.sendToNewRelic,
      tags: s.userEvents.tags,
    };
    mappings['user-event'] = (r) => userEventToMqtt(r, config);
  }
  return mappings;
}
