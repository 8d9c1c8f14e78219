/**
 * The optional keys of this implementation load with their defaults when absent, take the
 * values given, and are checked like upstream's keys (key path and line in the error).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError } from '../../../src/config/issues.ts';
import { loadConfigText } from '../../../src/config/load.ts';

const minimal = (extra: string) => `Butler-SOS:
  logLevel: info
  anonTelemetry: false
  systemInfo:
    enable: false
${extra}`;

describe('keys of this implementation', () => {
  it('default when absent: structured MQTT off, 32 MiB receive buffer, spool on, web UI off', () => {
    const s = loadConfigText(minimal(''), 'x.yaml').config['Butler-SOS'];
    assert.equal(s.logEvents.sendToMQTT.structured.enable, false);
    assert.equal(s.userEvents.sendToMQTT.structured.baseTopic, 'butler-sos/events');
    assert.equal(s.logEvents.udpServerConfig.receiveBufferBytes, 32 * 1024 * 1024);
    assert.equal(s.delivery.spoolEnable, true);
    assert.equal(s.webUi.enable, false);
    assert.equal(s.localStore.enable, false);
  });

  it('take the values given (the structured MQTT example of docs/mqtt-structured-events.md)', () => {
    const text = minimal(`  logEvents:
    udpServerConfig:
      receiveBufferBytes: 4194304
    sendToMQTT:
      enable: true
      structured:
        enable: true
        baseTopic: site-a/events
        retain: true
  userEvents:
    sendToMQTT:
      enable: true
      structured:
        enable: true
`);
    const s = loadConfigText(text, 'x.yaml').config['Butler-SOS'];
    assert.deepEqual(s.logEvents.sendToMQTT.structured, {
      enable: true,
      baseTopic: 'site-a/events',
      retain: true,
    });
    assert.equal(s.userEvents.sendToMQTT.structured.enable, true);
    assert.equal(s.logEvents.udpServerConfig.receiveBufferBytes, 4194304);
  });

  it('reject a wrong type with the key path and its line', () => {
    const text = minimal(`  logEvents:
    sendToMQTT:
      enable: true
      structured:
        enable: yes please
`);
    assert.throws(
      () => loadConfigText(text, 'x.yaml'),
      (error: unknown) =>
        error instanceof ConfigError &&
        error.issues.some(
          (i) => i.path === 'Butler-SOS.logEvents.sendToMQTT.structured.enable' && i.line === 10,
        ),
    );
  });
});
