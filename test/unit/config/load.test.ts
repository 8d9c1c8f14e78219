/**
 * Loading: our v14 and v15 fixtures and upstream's own templates, defaults, null handling,
 * leniency for disabled features, placeholders.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { ConfigError } from '../../../src/config/issues.ts';
import { loadConfigFile, loadConfigText } from '../../../src/config/load.ts';
import { findPlaceholders } from '../../../src/config/placeholders.ts';
import { corpusSkip } from '../../support/compat-corpus.ts';
import {
  FIXTURE_V14,
  FIXTURE_V15,
  lineContaining,
  replaceOnce,
  UPSTREAM_TEMPLATE_V14,
  UPSTREAM_TEMPLATE_V15,
  validFullText,
} from './support.ts';

const v14Text = readFileSync(FIXTURE_V14, 'utf8');

function rejects(text: string) {
  try {
    loadConfigText(text, 'x.yaml');
  } catch (error) {
    assert.ok(error instanceof ConfigError);
    return error.issues;
  }
  assert.fail('config accepted');
}

describe('the v14 and v15 fixtures', () => {
  test('v14: v15 keys get their defaults', () => {
    const { config, defaulted, warnings } = loadConfigFile(FIXTURE_V14);
    const s = config['Butler-SOS'];
    assert.deepEqual(warnings, []);
    assert.equal(s.influxdbConfig.version, 1);
    assert.equal(s.influxdbConfig.v1Config.dbName, 'fjordvik_sense');
    assert.equal(s.crashFile.enable, true);
    assert.equal(s.influxdbConfig.maxBatchSize, 1000);
    assert.ok(defaulted.includes('Butler-SOS.crashFile'));
    assert.ok(defaulted.includes('Butler-SOS.influxdbConfig.maxBatchSize'));
    assert.deepEqual(s.serversToMonitor.servers[1]?.userSessions.virtualProxies, [{ virtualProxy: '/' }]);
  });

  test('v15: v15 keys read', () => {
    const s = loadConfigFile(FIXTURE_V15).config['Butler-SOS'];
    assert.equal(s.influxdbConfig.version, 3);
    assert.equal(s.influxdbConfig.v3Config.database, 'skarholt_qs');
    assert.equal(s.influxdbConfig.v3Config.queryTimeout, 45000);
    assert.equal(s.influxdbConfig.maxBatchSize, 2500);
    assert.equal(s.errorTracking.influxdb.measurementName, 'agent_errors');
    assert.equal(s.crashFile.crashFileCreateText, false);
    assert.deepEqual(s.userEvents.udpServerConfig.allowedSources, [
      'qs-central.skarholt.example',
      '10.77.4.21',
    ]);
    assert.equal(s.prometheus.nodeMetricsPort, 9101);
    assert.deepEqual(s.uptimeMonitor.storeNewRelic.attribute.static[1], { name: 'tier', value: 'qa' });
    // A numeric account id is read as text; the level is normalised to lower case.
    assert.equal(s.thirdPartyToolsCredentials.newRelic[0]?.accountId, '7730114');
    assert.equal(s.uptimeMonitor.logLevel, 'debug');
  });

  test('empty keys (null) read as empty lists and sections', () => {
    const text = [
      'Butler-SOS:',
      '  thirdPartyToolsCredentials:',
      '    newRelic:',
      '  uptimeMonitor:',
      '    storeNewRelic:',
      '      attribute:',
      '        static:',
      '  userSessions:',
      '    excludeUser:',
      '  cert:',
      '    clientCertPassphrase:',
      '  logEvents:',
      '    categorise:',
      '    enginePerformanceMonitor:',
      '      monitorFilter:',
      '        appSpecific:',
      '          app:',
      '            - include:',
      '              objectType:',
      '  serversToMonitor:',
      '    serverTagsDefinition:',
      '    servers:',
      '      - host: qs-edge.example.org:4747',
      '        serverName: edge',
      '        serverTags:',
      '        headers:',
      '',
    ].join('\n');
    const { config, warnings } = loadConfigText(text);
    const s = config['Butler-SOS'];
    assert.deepEqual(warnings, []);
    assert.deepEqual(s.thirdPartyToolsCredentials.newRelic, []);
    assert.deepEqual(s.uptimeMonitor.storeNewRelic.attribute.static, []);
    assert.deepEqual(s.userSessions.excludeUser, []);
    assert.equal(s.cert.clientCertPassphrase, '');
    assert.deepEqual(s.logEvents.categorise.rules, []);
    const app = s.logEvents.enginePerformanceMonitor.monitorFilter.appSpecific.app[0];
    assert.deepEqual(app?.include, []);
    assert.equal(app?.objectType.allObjectTypes, true);
    assert.deepEqual(s.serversToMonitor.serverTagsDefinition, []);
    assert.deepEqual(s.serversToMonitor.servers[0]?.serverTags, {});
    assert.deepEqual(s.serversToMonitor.servers[0]?.headers, {});
  });

  test('placeholders of enabled features are listed, those of disabled ones are not', () => {
    let text = replaceOnce(v14Text, 'hostIP: qlik-central.fjordvik.example', 'hostIP: <host name or IP>');
    text = replaceOnce(
      text,
      'serverHost: 10.40.2.15\n      portLogEvents',
      'serverHost: <IP>\n      portLogEvents',
    );
    text = replaceOnce(
      text,
      'clientCertCA: /etc/butler-sos/certs/root.pem',
      'clientCertCA: <path/to/root.pem>',
    );
    text = replaceOnce(text, '- host: qlik-central.fjordvik.example:4747', '- host: <central node>:4747');
    // Not in use: the proxy host of servers[1], which does not poll proxy sessions, and the
    // values of the user event listener, MQTT, the config view and InfluxDB v1 authentication,
    // which are switched off here.
    text = replaceOnce(text, 'host: qlik-rim1.fjordvik.example:4243', 'host: <rim node>:4243');
    text = replaceOnce(text, '  userEvents:\n    enable: true', '  userEvents:\n    enable: false');
    text = replaceOnce(text, 'serverHost: 10.40.2.15\n      portUser', 'serverHost: <IP>\n      portUser');
    text = replaceOnce(
      text,
      '  mqttConfig:\n    enable: true\n    brokerHost: mqtt.fjordvik.example',
      '  mqttConfig:\n    enable: false\n    brokerHost: <IP of the broker>',
    );
    text = replaceOnce(
      text,
      '  configVisualisation:\n    enable: true\n    host: 127.0.0.1',
      '  configVisualisation:\n    enable: false\n    host: <host>',
    );
    text = replaceOnce(
      text,
      'enable: true\n        username: butler_writer',
      'enable: false\n        username: <InfluxDB user>',
    );
    const found = findPlaceholders(loadConfigText(text).config);
    assert.deepEqual(found.sort(), [
      'Butler-SOS.appNames.hostIP',
      'Butler-SOS.cert.clientCertCA',
      'Butler-SOS.logEvents.udpServerConfig.serverHost',
      'Butler-SOS.serversToMonitor.servers[0].host',
    ]);
    assert.deepEqual(findPlaceholders(loadConfigText(v14Text).config), []);
    assert.deepEqual(findPlaceholders(loadConfigText(validFullText()).config), []);
  });

  test('a placeholder as the certificate passphrase reads as none, with a warning', () => {
    const text = replaceOnce(
      v14Text,
      'clientCertPassphrase: fjv-cert-passphrase-2291',
      'clientCertPassphrase: <passphrase, if the key has one>',
    );
    const { config, warnings } = loadConfigText(text);
    assert.equal(config['Butler-SOS'].cert.clientCertPassphrase, '');
    assert.ok(warnings.some((w) => w.path === 'Butler-SOS.cert.clientCertPassphrase'));
  });

  test('lineOf points at keys of the file', () => {
    const loaded = loadConfigFile(FIXTURE_V14);
    assert.equal(
      loaded.lineOf('Butler-SOS.appNames.hostIP'),
      lineContaining(v14Text, 'hostIP: qlik-central.fjordvik.example'),
    );
    assert.equal(
      loaded.lineOf(['Butler-SOS', 'serversToMonitor', 'servers', 1, 'host']),
      lineContaining(v14Text, '- host: qlik-rim1'),
    );
  });
});

describe('upstream templates load unchanged', () => {
  test('v14 template: valid, nulls read as empty, v15 keys defaulted', { skip: corpusSkip }, () => {
    const { config, defaulted, warnings } = loadConfigFile(UPSTREAM_TEMPLATE_V14);
    const s = config['Butler-SOS'];
    assert.deepEqual(s.serversToMonitor.serverTagsDefinition, []);
    assert.deepEqual(s.uptimeMonitor.storeNewRelic.attribute.static, []);
    assert.deepEqual(s.userSessions.excludeUser, []);
    assert.deepEqual(s.thirdPartyToolsCredentials.newRelic, []);
    assert.deepEqual(s.serversToMonitor.servers[0]?.serverTags, {});
    assert.deepEqual(s.serversToMonitor.servers[0]?.headers, {});
    assert.deepEqual(s.logEvents.enginePerformanceMonitor.monitorFilter.appSpecific.app[0]?.include, []);
    assert.equal(s.serversToMonitor.servers.length, 2);
    assert.deepEqual(s.serversToMonitor.servers[1]?.userSessions.virtualProxies, [
      { virtualProxy: '/finance' },
    ]);
    assert.equal(s.influxdbConfig.version, 1);
    assert.equal(s.crashFile.enable, true);
    assert.equal(s.influxdbConfig.maxBatchSize, 1000);
    assert.ok(defaulted.includes('Butler-SOS.crashFile'));
    assert.ok(defaulted.includes('Butler-SOS.influxdbConfig.maxBatchSize'));
    // The passphrase placeholder would reach TLS; it is read as "none", with a warning.
    assert.equal(s.cert.clientCertPassphrase, '');
    assert.ok(warnings.some((w) => w.path === 'Butler-SOS.cert.clientCertPassphrase'));
  });

  test('v15.0.1 template: v15 keys read', { skip: corpusSkip }, () => {
    const s = loadConfigFile(UPSTREAM_TEMPLATE_V15).config['Butler-SOS'];
    assert.equal(s.influxdbConfig.version, 3);
    assert.equal(s.influxdbConfig.v3Config.database, 'mydatabase');
    assert.equal(s.influxdbConfig.v3Config.queryTimeout, 60000);
    assert.equal(s.errorTracking.influxdb.measurementName, 'butler_sos_errors');
    assert.deepEqual(s.userEvents.udpServerConfig.allowedSources, ['sense-server-01.mydomain.com']);
    assert.deepEqual(s.logEvents.udpServerConfig.allowedSources, []);
    assert.deepEqual(s.uptimeMonitor.storeNewRelic.attribute.static[2], { name: 'qs_env', value: 'dev' });
  });

  test("the template's placeholders are found where its features are on", { skip: corpusSkip }, () => {
    const found = findPlaceholders(loadConfigFile(UPSTREAM_TEMPLATE_V14).config);
    for (const path of [
      'Butler-SOS.appNames.hostIP',
      'Butler-SOS.logEvents.udpServerConfig.serverHost',
      'Butler-SOS.cert.clientCert',
      'Butler-SOS.cert.clientCertCA',
      'Butler-SOS.serversToMonitor.servers[0].host',
      'Butler-SOS.serversToMonitor.servers[1].userSessions.host',
    ]) {
      assert.ok(found.includes(path), `${path} not listed in ${found.join(', ')}`);
    }
    for (const path of [
      'Butler-SOS.userEvents.udpServerConfig.serverHost',
      'Butler-SOS.mqttConfig.brokerHost',
      'Butler-SOS.prometheus.host',
      'Butler-SOS.influxdbConfig.v1Config.auth.username',
      'Butler-SOS.cert.clientCertPassphrase',
    ]) {
      assert.ok(!found.includes(path), `${path} listed although its feature is off`);
    }
  });
});

describe('defaults and normalisation', () => {
  test('an almost empty file gets every default', () => {
    const loaded = loadConfigText('Butler-SOS:\n  logLevel: warn\n');
    const s = loaded.config['Butler-SOS'];
    assert.equal(s.logLevel, 'warn');
    assert.equal(s.influxdbConfig.enable, false);
    assert.equal(s.prometheus.host, '0.0.0.0');
    assert.equal(s.userEvents.udpServerConfig.portUserActivityEvents, 9997);
    assert.deepEqual(s.logEvents.categorise.ruleDefault.category, [
      { name: 'qs_log_category', value: 'unknown' },
    ]);
    assert.deepEqual(s.serversToMonitor.servers, []);
    assert.ok(loaded.defaulted.includes('Butler-SOS.influxdbConfig'));
    assert.ok(!loaded.defaulted.includes('Butler-SOS.logLevel'));
  });

  test('case-insensitive values are normalised at load (upstream only did it for validation)', () => {
    let text = validFullText();
    text = replaceOnce(text, 'action: categorise', 'action: " Drop "');
    text = replaceOnce(text, '- type: sw', '- type: SW');
    const s = loadConfigText(text).config['Butler-SOS'];
    const rule = s.logEvents.categorise.rules[0]!;
    assert.deepEqual(rule.logLevel, ['warn', 'error']);
    assert.equal(rule.action, 'drop');
    assert.equal(rule.filter[0]?.type, 'sw');
    assert.equal(s.uptimeMonitor.logLevel, 'verbose');
    // appObject lists accept {objectId} (as the template comments show) and read as plain ids.
    assert.deepEqual(
      s.logEvents.enginePerformanceMonitor.monitorFilter.appSpecific.app[0]?.appObject.allAppObjectsExclude,
      ['AaBbCc'],
    );
    assert.equal(s.thirdPartyToolsCredentials.newRelic[0]?.accountId, '1234567');
  });

  test('numeric New Relic account ids and tag values read as text', () => {
    let text = replaceOnce(validFullText(), 'accountId: "1234567"', 'accountId: 1234567');
    text = replaceOnce(text, 'value: prod\n    rejectedEventCount', 'value: 42\n    rejectedEventCount');
    const s = loadConfigText(text).config['Butler-SOS'];
    assert.equal(s.thirdPartyToolsCredentials.newRelic[0]?.accountId, '1234567');
    assert.equal(s.qlikSenseEvents.eventCount.influxdb.tags[0]?.value, '42');
  });

  test('fatal is accepted as a rule log level', () => {
    const text = replaceOnce(
      validFullText(),
      '            - ERROR\n',
      '            - ERROR\n            - FATAL\n',
    );
    assert.deepEqual(loadConfigText(text).config['Butler-SOS'].logEvents.categorise.rules[0]?.logLevel, [
      'warn',
      'error',
      'fatal',
    ]);
  });
});

describe('leniency where upstream is lenient', () => {
  test('bad values in a disabled section are warnings, and the default is used', () => {
    let text = replaceOnce(v14Text, '  mqttConfig:\n    enable: true', '  mqttConfig:\n    enable: false');
    text = replaceOnce(text, 'brokerPort: 8883', 'brokerPort: lots');
    text = replaceOnce(
      text,
      '  dockerHealthCheck:\n    enable: true\n    port: 12410\n',
      '  dockerHealthCheck:\n    enable: false\n    port: 12410\n    extra: 1\n',
    );
    const loaded = loadConfigText(text);
    assert.equal(loaded.config['Butler-SOS'].mqttConfig.brokerPort, 1883);
    const warning = loaded.warnings.find((w) => w.path === 'Butler-SOS.mqttConfig.brokerPort');
    assert.ok(warning);
    assert.match(warning.message, /mqttConfig.enable is false/);
    assert.equal(warning.line, lineContaining(text, 'brokerPort: lots'));
    assert.ok(loaded.warnings.some((w) => w.path === 'Butler-SOS.dockerHealthCheck.extra'));
  });

  test('the same value in an enabled section is an error', () => {
    const text = replaceOnce(v14Text, 'brokerPort: 8883', 'brokerPort: lots');
    const issues = rejects(text);
    assert.ok(issues.some((i) => i.path === 'Butler-SOS.mqttConfig.brokerPort'));
  });

  test('a non-boolean enable is an error even though the section is then treated as off', () => {
    const text = replaceOnce(v14Text, '  heartbeat:\n    enable: true', '  heartbeat:\n    enable: no');
    const issues = rejects(text);
    assert.deepEqual(
      issues.map((i) => i.path),
      ['Butler-SOS.heartbeat.enable'],
    );
  });

  test('unknown keys directly under Butler-SOS are ignored with a warning', () => {
    const text = replaceOnce(
      v14Text,
      '  logDirectory: logs/butler-sos',
      '  logDirectory: logs/butler-sos\n  auditEvents:\n    enable: false\n  futureSection:\n    a: 1',
    );
    const loaded = loadConfigText(text);
    assert.ok(
      loaded.warnings.some((w) => w.path === 'Butler-SOS.futureSection' && /ignored/.test(w.message)),
    );
    assert.ok(!loaded.warnings.some((w) => w.path === 'Butler-SOS.auditEvents'));
  });

  test('--skip-config-verification turns errors into warnings and uses defaults', () => {
    const text = replaceOnce(validFullText(), 'port: 8086', 'port: abc');
    assert.throws(() => loadConfigText(text), ConfigError);
    const loaded = loadConfigText(text, 'x.yaml', { skipVerification: true });
    assert.equal(loaded.config['Butler-SOS'].influxdbConfig.port, 8086);
    assert.ok(loaded.warnings.some((w) => w.path === 'Butler-SOS.influxdbConfig.port'));
  });
});

describe('telemetry needs system information', () => {
  const text = replaceOnce(
    replaceOnce(validFullText(), 'anonTelemetry: false', 'anonTelemetry: true'),
    '  systemInfo:\n    enable: true',
    '  systemInfo:\n    enable: false',
  );

  test('refused, naming both keys with their lines', () => {
    const issues = rejects(text);
    assert.equal(issues.length, 1);
    const [issue] = issues;
    assert.equal(issue?.path, 'Butler-SOS.anonTelemetry');
    assert.equal(issue?.phase, 'cross');
    assert.match(issue?.message ?? '', /Butler-SOS\.anonTelemetry=false/);
    assert.match(issue?.message ?? '', /Butler-SOS\.systemInfo\.enable=true/);
    assert.match(
      issue?.message ?? '',
      new RegExp(`systemInfo\\.enable \\(line ${lineContaining(text, '    enable: false')}\\)`),
    );
  });

  test('each switch alone is fine, and skipping verification lets it start', () => {
    assert.doesNotThrow(() =>
      loadConfigText(replaceOnce(text, 'anonTelemetry: true', 'anonTelemetry: false')),
    );
    assert.equal(
      loadConfigText(text, 'x.yaml', { skipVerification: true }).config['Butler-SOS'].anonTelemetry,
      true,
    );
  });
});

describe('file checks', () => {
  test('extension must be .yaml (case-insensitive) and the file must exist', () => {
    assert.throws(
      () => loadConfigFile('/tmp/config.yml'),
      (e: ConfigError) => /extension must be yaml/.test(e.issues[0]?.message ?? ''),
    );
    assert.throws(
      () => loadConfigFile('/tmp/does-not-exist-1234.YAML'),
      (e: ConfigError) => /does not exist/.test(e.issues[0]?.message ?? ''),
    );
  });
});
