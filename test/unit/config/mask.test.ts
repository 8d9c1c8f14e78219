/** Secrets never leak: masked config view and redaction of arbitrary text. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { parse } from 'yaml';
import { loadConfigFile, loadConfigText } from '../../../src/config/load.ts';
import { createSecretRedactor, MASK, maskConfig } from '../../../src/config/mask.ts';
import { FIXTURE_V14, FIXTURE_V15, replaceOnce, validFullText } from './support.ts';

// A config full of secrets, each distinctive so any leak is found by substring search.
const SECRETS = {
  influxPassword: 'pw-Influx-v1-Zq8!',
  influxV2Token: 'tok-Influx-v2-Xy7',
  influxV3Token: 'tok-Influx-v3-Wv6',
  passphrase: 'pass "phrase" Kk5\\',
  nrKey: 'NRII-Abc123-Def456',
  nrKey2: 'NRII-Second-Key-999',
  eventHeader: 'event-header-Secret-1',
  metricHeader: 'metric-header-Secret-2',
  serverHeader: 'Bearer server-header-Secret-3',
} as const;

function secretConfigText(): string {
  let text = validFullText();
  text = replaceOnce(text, 'password: influx-v1-password', `password: "${SECRETS.influxPassword}"`);
  text = replaceOnce(text, 'token: influx-v2-token-secret', `token: ${SECRETS.influxV2Token}`);
  text = replaceOnce(
    text,
    '    includeFields:',
    `    v3Config:\n      database: db\n      token: ${SECRETS.influxV3Token}\n    includeFields:`,
  );
  text = replaceOnce(
    text,
    '    clientCertPassphrase:',
    `    clientCertPassphrase: ${JSON.stringify(SECRETS.passphrase)}`,
  );
  text = replaceOnce(text, 'insertApiKey: NRII-insert-key-0001', `insertApiKey: ${SECRETS.nrKey}`);
  text = replaceOnce(
    text,
    '        accountId: "1234567"',
    `        accountId: "1234567"\n      - accountName: Second\n        insertApiKey: ${SECRETS.nrKey2}\n        accountId: "7654321"`,
  );
  text = replaceOnce(text, 'value: header-secret-value', `value: ${SECRETS.eventHeader}`);
  text = replaceOnce(
    text,
    '      header:\n      dynamic:',
    `      header:\n        - name: X-Other\n          value: ${SECRETS.metricHeader}\n      dynamic:`,
  );
  text = replaceOnce(text, 'X-Custom-Auth: server-header-secret', `Authorization: ${SECRETS.serverHeader}`);
  return text;
}

describe('maskConfig', () => {
  const config = loadConfigText(secretConfigText()).config;

  test('the config really holds the secrets (so the test can fail)', () => {
    const plain = JSON.stringify(config);
    for (const secret of Object.values(SECRETS))
      assert.ok(plain.includes(JSON.stringify(secret).slice(1, -1)), secret);
  });

  for (const obfuscate of [true, false]) {
    test(`no secret survives masking (obfuscate ${obfuscate})`, () => {
      const masked = JSON.stringify(maskConfig(config, { obfuscate }));
      for (const secret of Object.values(SECRETS)) {
        assert.ok(
          !masked.includes(secret) && !masked.includes(JSON.stringify(secret).slice(1, -1)),
          `leaked ${secret}`,
        );
      }
    });
  }

  test('partial masks as upstream: first N characters and ten stars', () => {
    const s = maskConfig(loadConfigFile(FIXTURE_V14).config)['Butler-SOS'];
    assert.equal(s.influxdbConfig.host, 'inf**********');
    assert.equal(s.heartbeat.remoteURL, 'https://up**********');
    assert.equal(s.cert.clientCert, '/etc/butle**********');
    assert.equal(s.cert.clientCertPassphrase, MASK);
    assert.equal(s.appNames.hostIP, 'qli**********');
    assert.equal(s.influxdbConfig.v1Config.auth.username, 'but**********');
    assert.equal(s.influxdbConfig.v1Config.auth.password, MASK);
    assert.equal(s.influxdbConfig.v2Config.token, MASK);
    assert.equal(s.userEvents.sendToMQTT.postTo.sessionStartTopic.topic, 'fjordvik/s**********');
    assert.equal(
      s.logEvents.enginePerformanceMonitor.monitorFilter.appSpecific.app[0]?.include[1]?.appName,
      'Fleet**********',
    );
    // [main] keeps the structure of userSessions and masks its host (v14 replaced the object).
    assert.equal(s.serversToMonitor.servers[0]?.userSessions.host, 'qli**********');
    assert.equal(s.serversToMonitor.servers[0]?.userSessions.enable, true);
    // Non-sensitive values stay readable.
    assert.equal(s.influxdbConfig.v1Config.dbName, 'fjordvik_sense');
    assert.equal(s.influxdbConfig.port, 8087);
  });

  for (const [name, file] of [
    ['v14', FIXTURE_V14],
    ['v15', FIXTURE_V15],
  ] as const) {
    test(`no secret of the ${name} fixture survives masking`, () => {
      // The fixtures name their secret values recognisably (see their header comment).
      const secrets: string[] = [];
      const collect = (node: unknown): void => {
        if (typeof node === 'string' && /secret|-pw-|token|passphrase|^NRII-/.test(node)) secrets.push(node);
        else if (node && typeof node === 'object') for (const child of Object.values(node)) collect(child);
      };
      collect(parse(readFileSync(file, 'utf8')));
      assert.ok(secrets.length >= 10, `only ${secrets.length} secrets found`);
      const config = loadConfigFile(file).config;
      for (const obfuscate of [true, false]) {
        const masked = JSON.stringify(maskConfig(config, { obfuscate }));
        for (const secret of secrets) assert.ok(!masked.includes(secret), `leaked ${secret}`);
      }
    });
  }

  test('without obfuscate only secrets are masked', () => {
    const s = maskConfig(config, { obfuscate: false })['Butler-SOS'];
    assert.equal(s.influxdbConfig.host, 'influxdb.example.com');
    assert.equal(s.influxdbConfig.v2Config.token, MASK);
    assert.equal(s.newRelic.event.header[0]?.value, MASK);
    assert.equal(s.newRelic.event.header[0]?.name, 'X-My-Header');
    assert.equal(s.serversToMonitor.servers[0]?.headers.Authorization, MASK);
  });

  test('masking copies: the original is untouched', () => {
    maskConfig(config);
    assert.equal(config['Butler-SOS'].influxdbConfig.v2Config.token, SECRETS.influxV2Token);
  });
});

describe('createSecretRedactor', () => {
  const config = loadConfigText(secretConfigText()).config;
  const redact = createSecretRedactor(config);

  test('removes every secret from text, JSON and URLs', () => {
    for (const secret of Object.values(SECRETS)) {
      const lines = [
        `error: request failed with key ${secret} and more`,
        JSON.stringify({ headers: { auth: secret } }),
        `https://host/path?token=${encodeURIComponent(secret)}`,
      ];
      for (const line of lines) {
        const out = redact(line);
        assert.ok(!out.includes(secret), `leaked ${secret} in ${out}`);
        assert.ok(!out.includes(JSON.stringify(secret).slice(1, -1)), `leaked escaped ${secret} in ${out}`);
        assert.ok(!out.includes(encodeURIComponent(secret)), `leaked encoded ${secret} in ${out}`);
      }
    }
  });

  test('keeps ordinary text and masks the heartbeat URL after 10 characters', () => {
    assert.equal(
      redact('HEALTH: polled sense1.example.com:4747 in 12 ms'),
      'HEALTH: polled sense1.example.com:4747 in 12 ms',
    );
    assert.equal(
      redact('HEARTBEAT: Sent heartbeat to https://hc-ping.com/abcdef-secret-uuid'),
      'HEARTBEAT: Sent heartbeat to https://hc**********',
    );
  });

  test('generic credential shapes are redacted even when not in the config', () => {
    const out = redact(
      'GET http://admin:hunter2@influx:8086/ping with Authorization: Bearer abcdefghijklmnop, Api-Key: zzzyyyxxx',
    );
    assert.doesNotMatch(out, /hunter2|abcdefghijklmnop|zzzyyyxxx/);
  });

  test('secrets given on the command line are redacted when the redactor is created after the override', () => {
    const copy = structuredClone(config);
    copy['Butler-SOS'].thirdPartyToolsCredentials.newRelic = [
      { accountName: 'cli', insertApiKey: 'cli-key-123456', accountId: '1' },
    ];
    assert.equal(createSecretRedactor(copy)('x cli-key-123456 y'), `x ${MASK} y`);
  });
});
