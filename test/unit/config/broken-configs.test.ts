/**
 * A table of broken configs: each must be rejected with the key path and the file line of the
 * offending key, and nothing else may be reported for the otherwise valid fixture.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ConfigError, type ConfigIssue } from '../../../src/config/issues.ts';
import { loadConfigText } from '../../../src/config/load.ts';
import { lineContaining, replaceOnce, validFullText } from './support.ts';

interface Case {
  name: string;
  from: string;
  to: string;
  path: string;
  /** Text on the line the issue must point at (default: first line of `to`). */
  lineOf?: string;
  /** The line is the last one containing lineOf (default: the first). */
  last?: boolean;
  /** Words the message must contain. */
  says?: RegExp;
}

const CASES: Case[] = [
  {
    name: 'log level in upper case',
    from: 'logLevel: info',
    to: 'logLevel: INFO',
    path: 'Butler-SOS.logLevel',
    says: /one of error, warn/,
  },
  {
    name: 'yes is not a boolean',
    from: 'fileLogging: false',
    to: 'fileLogging: yes',
    path: 'Butler-SOS.fileLogging',
    says: /true or false, found "yes"/,
  },
  {
    name: 'quoted boolean',
    from: 'anonTelemetry: false',
    to: 'anonTelemetry: "false"',
    path: 'Butler-SOS.anonTelemetry',
    says: /true or false/,
  },
  {
    name: 'port is text',
    from: 'port: 8086',
    to: 'port: abc',
    path: 'Butler-SOS.influxdbConfig.port',
    says: /a number, found "abc"/,
  },
  {
    name: 'port out of range',
    from: 'port: 9842',
    to: 'port: 70000',
    path: 'Butler-SOS.prometheus.port',
    says: /<= 65535/,
  },
  {
    name: 'unknown key inside a section',
    from: '  systemInfo:\n    enable: true',
    to: '  systemInfo:\n    enable: true\n    foo: bar',
    path: 'Butler-SOS.systemInfo.foo',
    lineOf: 'foo: bar',
    says: /unknown key "foo"/,
  },
  {
    name: 'misspelt key gets a hint',
    from: '    pollingInterval: 30000\n    rejectUnauthorized',
    to: '    pollingIntervall: 30000\n    rejectUnauthorized',
    path: 'Butler-SOS.serversToMonitor.pollingIntervall',
    says: /did you mean "pollingInterval"/,
  },
  {
    name: 'unknown root key',
    from: 'Butler-SOS:\n',
    to: 'Extra: 1\nButler-SOS:\n',
    path: 'Extra',
    says: /unknown key "Extra"/,
  },
  {
    name: 'InfluxDB version 4',
    from: 'version: 2',
    to: 'version: 4',
    path: 'Butler-SOS.influxdbConfig.version',
    says: /1, 2 or 3, found number 4/,
  },
  {
    name: 'batch size 0',
    from: 'version: 2',
    to: 'version: 2\n    maxBatchSize: 0',
    path: 'Butler-SOS.influxdbConfig.maxBatchSize',
    lineOf: 'maxBatchSize: 0',
  },
  {
    name: 'unknown rule log level',
    from: '            - ERROR\n          action',
    to: '            - CRITICAL\n          action',
    path: 'Butler-SOS.logEvents.categorise.rules[0].logLevel[1]',
    lineOf: '- CRITICAL',
  },
  {
    name: 'unknown rule action',
    from: 'action: categorise',
    to: 'action: keep',
    path: 'Butler-SOS.logEvents.categorise.rules[0].action',
    says: /categorise, drop/,
  },
  {
    name: 'unknown filter type',
    from: '- type: sw',
    to: '- type: xx',
    path: 'Butler-SOS.logEvents.categorise.rules[0].filter[0].type',
  },
  {
    name: 'server without host',
    from: '- host: sense1.example.com:4747\n        serverName: sense1',
    to: '- serverName: sense1',
    path: 'Butler-SOS.serversToMonitor.servers[0].host',
    lineOf: '- serverName: sense1',
    says: /is required/,
  },
  {
    name: 'virtual proxy without slash',
    from: '- virtualProxy: /hdr',
    to: '- virtualProxy: hdr',
    path: 'Butler-SOS.serversToMonitor.servers[0].userSessions.virtualProxies[1].virtualProxy',
    says: /must start with "\/"/,
  },
  {
    name: 'heartbeat URL without scheme',
    from: 'remoteURL: https://hc-ping.com/abcdef-secret-uuid',
    to: 'remoteURL: hc-ping.com/x',
    path: 'Butler-SOS.heartbeat.remoteURL',
    says: /not a valid URL/,
  },
  {
    name: 'unparseable schedule',
    from: 'frequency: every 1 hour',
    to: 'frequency: now and then',
    path: 'Butler-SOS.heartbeat.frequency',
    says: /schedule "now and then"/,
  },
  {
    name: 'bad broker host',
    from: 'brokerHost: mqtt.example.com',
    to: 'brokerHost: my_broker',
    path: 'Butler-SOS.mqttConfig.brokerHost',
    says: /not a valid host name/,
  },
  {
    name: 'bad UDP bind host',
    from: 'serverHost: 0.0.0.0\n      portUserActivityEvents',
    to: 'serverHost: bad host\n      portUserActivityEvents',
    path: 'Butler-SOS.userEvents.udpServerConfig.serverHost',
  },
  {
    name: 'app name host missing while enabled',
    from: 'hostIP: sense1.example.com',
    to: 'hostIP: ""',
    path: 'Butler-SOS.appNames.hostIP',
    says: /must be set/,
  },
  {
    name: 'server lacks a defined tag',
    from: '          server_group: DEV\n',
    to: '',
    path: 'Butler-SOS.serversToMonitor.servers[1].serverTags',
    lineOf: 'serverTags:',
    last: true,
    says: /Server tag "server_group" is not defined for server "sense2"/,
  },
  {
    name: 'server has an undefined tag',
    from: 'server_group: DEV',
    to: 'server_group: DEV\n          rack: A1',
    path: 'Butler-SOS.serversToMonitor.servers[1].serverTags.rack',
    lineOf: 'rack: A1',
    says: /not defined in Butler-SOS.serversToMonitor.serverTagsDefinition/,
  },
  {
    name: 'exclude-user entry with wrong key',
    from: 'userId: testuser1',
    to: 'user: testuser1',
    path: 'Butler-SOS.userEvents.excludeUser[0].user',
    says: /unknown key "user"/,
  },
  {
    name: 'list where a section is expected',
    from: '  cert:\n',
    to: '  cert:\n    - x\n  certX:\n',
    path: 'Butler-SOS.cert',
    lineOf: '  cert:',
  },
  {
    name: 'v2 token missing',
    from: 'token: influx-v2-token-secret',
    to: 'token: ""',
    path: 'Butler-SOS.influxdbConfig.v2Config.token',
    says: /must be set/,
  },
];

function issuesOf(text: string): ConfigIssue[] {
  try {
    loadConfigText(text, 'broken.yaml');
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${String(error)}`);
    return error.issues;
  }
  assert.fail('the broken config was accepted');
}

describe('broken configs are rejected with key path and line', () => {
  test('the unbroken fixture is valid', () => {
    const loaded = loadConfigText(validFullText(), 'valid.yaml');
    assert.equal(loaded.config['Butler-SOS'].influxdbConfig.version, 2);
  });

  assert.ok(CASES.length >= 15);
  for (const c of CASES) {
    test(c.name, () => {
      const text = replaceOnce(validFullText(), c.from, c.to);
      const issues = issuesOf(text);
      const hit = issues.find((issue) => issue.path === c.path);
      assert.ok(
        hit,
        `no issue at ${c.path}; got: ${issues.map((i) => `${i.path}: ${i.message}`).join(' | ')}`,
      );
      const needle =
        c.lineOf ??
        c.to
          .split('\n')
          .find((line) => line.trim() !== '')!
          .trim();
      const line = c.last
        ? text.split('\n').findLastIndex((l) => l.includes(needle)) + 1
        : lineContaining(text, needle);
      assert.equal(hit.line, line, `line of ${c.path}`);
      if (c.says) assert.match(hit.message, c.says);
    });
  }

  test('all problems are reported at once, in file order', () => {
    let text = validFullText();
    text = replaceOnce(text, 'logLevel: info', 'logLevel: loud');
    text = replaceOnce(text, 'port: 8086', 'port: abc');
    text = replaceOnce(text, 'hostIP: sense1.example.com', 'hostIP: "bad host"');
    const paths = issuesOf(text).map((issue) => issue.path);
    assert.deepEqual(paths, [
      'Butler-SOS.logLevel',
      'Butler-SOS.influxdbConfig.port',
      'Butler-SOS.appNames.hostIP',
    ]);
  });

  test('a secret value is never shown in an error', () => {
    const text = replaceOnce(validFullText(), 'token: influx-v2-token-secret', 'token: 987654321');
    const issues = issuesOf(text);
    const hit = issues.find((issue) => issue.path === 'Butler-SOS.influxdbConfig.v2Config.token');
    assert.ok(hit);
    assert.doesNotMatch(JSON.stringify(issues), /987654321/);
  });

  test('YAML syntax errors give the line', () => {
    const text = replaceOnce(validFullText(), '    port: 3100\n', '    port: [3100\n');
    const issues = issuesOf(text);
    assert.equal(issues[0]?.phase, 'yaml');
    assert.match(issues[0]?.message ?? '', /Error parsing YAML file/);
    assert.ok(issues.every((issue) => typeof issue.line === 'number'));
    assert.ok(
      issues.some(
        (issue) =>
          issue.line === lineContaining(text, 'port: [3100') ||
          issue.line === lineContaining(text, 'port: [3100') + 1,
      ),
    );
  });

  test('duplicate keys are a YAML error with the line', () => {
    const text = replaceOnce(
      validFullText(),
      'fileLogging: false',
      'fileLogging: false\n  fileLogging: true',
    );
    const issues = issuesOf(text);
    assert.equal(issues[0]?.phase, 'yaml');
    assert.equal(issues[0]?.line, lineContaining(text, 'fileLogging: true'));
  });

  test('a file without Butler-SOS is rejected', () => {
    const issues = issuesOf('Something-else:\n  a: 1\n');
    assert.ok(issues.some((issue) => issue.path === 'Butler-SOS' && /required/.test(issue.message)));
    assert.ok(issues.some((issue) => issue.path === 'Something-else'));
  });

  test('an empty file is rejected', () => {
    const issues = issuesOf('# nothing here\n');
    assert.match(issues[0]?.message ?? '', /Butler-SOS/);
  });
});
