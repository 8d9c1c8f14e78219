/**
 * The `logdb` section and `servers[].logDbHost` (upstream ≤ v10,
 * docs/reference/sense-apis.md#qlogs-log-database).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ConfigError, formatIssue } from '../../../src/config/issues.ts';
import { loadConfigFile, loadConfigText } from '../../../src/config/load.ts';
import { createSecretRedactor, isSecretPath, MASK, maskConfig } from '../../../src/config/mask.ts';
import { lineContaining, replaceOnce, VALID_FULL, validFullText } from './support.ts';

const PASSWORD = 'qlogs-Reader-Pw-77!';

/** The valid fixture with a logdb section appended (under Butler-SOS) and logDbHost on sense1. */
function withLogDb(section: string, logDbHost = 'SENSE1'): string {
  const text = replaceOnce(
    validFullText(),
    '        serverName: sense1\n',
    `        serverName: sense1\n        logDbHost: ${logDbHost}\n`,
  );
  return `${text.trimEnd()}\n  logdb:\n${section
    .trim()
    .split('\n')
    .map((line) => `    ${line.trim()}`)
    .join('\n')}\n`;
}

const ENABLED = `
enable: true
host: sense1.example.com
qlogsReaderPwd: "${PASSWORD}"
`;

function problems(text: string) {
  try {
    loadConfigText(text, 'x.yaml');
  } catch (error) {
    assert.ok(error instanceof ConfigError, String(error));
    return error.issues;
  }
  assert.fail('config accepted');
}

describe('logdb section', () => {
  test('absent: the defaults (off, 60000 ms, "5 minutes", port 4432, qlogs_reader, errors+warnings)', () => {
    const s = loadConfigFile(VALID_FULL).config['Butler-SOS'];
    assert.deepEqual(s.logdb, {
      enable: false,
      pollingInterval: 60000,
      queryPeriod: '5 minutes',
      host: '',
      port: 4432,
      qlogsReaderUser: 'qlogs_reader',
      qlogsReaderPwd: '',
      extractErrors: true,
      extractWarnings: true,
      extractInfo: false,
    });
    assert.equal(s.serversToMonitor.servers[0]?.logDbHost, undefined);
  });

  test('enabled section and logDbHost load', () => {
    const { config, warnings } = loadConfigText(
      withLogDb(`${ENABLED}\nextractInfo: true\nqueryPeriod: 10 minutes`),
    );
    const s = config['Butler-SOS'];
    assert.equal(s.logdb.enable, true);
    assert.equal(s.logdb.host, 'sense1.example.com');
    assert.equal(s.logdb.qlogsReaderPwd, PASSWORD);
    assert.equal(s.logdb.extractInfo, true);
    assert.equal(s.logdb.queryPeriod, '10 minutes');
    assert.equal(s.serversToMonitor.servers[0]?.logDbHost, 'SENSE1');
    assert.equal(s.serversToMonitor.servers[1]?.logDbHost, undefined);
    assert.ok(!warnings.some((w) => w.path.includes('logdb')), JSON.stringify(warnings));
  });

  test('a numeric password is read as text', () => {
    const s = loadConfigText(withLogDb('enable: true\nhost: db1\nqlogsReaderPwd: 12345')).config[
      'Butler-SOS'
    ];
    assert.equal(s.logdb.qlogsReaderPwd, '12345');
  });

  test('bad types are rejected with the key path and line', () => {
    const text = withLogDb(`${ENABLED}\nport: 99999\nextractErrors: "yes"`);
    const issues = problems(text);
    const port = issues.find((i) => i.path === 'Butler-SOS.logdb.port');
    assert.ok(port, JSON.stringify(issues));
    assert.equal(port.line, lineContaining(text, 'port: 99999'));
    assert.ok(issues.some((i) => i.path === 'Butler-SOS.logdb.extractErrors'));
    const unknown = problems(withLogDb(`${ENABLED}\nqueryPeriode: 5 minutes`));
    assert.ok(
      unknown.some((i) => i.path.startsWith('Butler-SOS.logdb')),
      JSON.stringify(unknown),
    );
  });

  test('enabled without host: error naming logdb.host', () => {
    const issues = problems(withLogDb('enable: true'));
    const issue = issues.find((i) => i.path === 'Butler-SOS.logdb.host');
    assert.ok(issue, JSON.stringify(issues));
    assert.match(issue.message, /logdb\.enable is true/);
  });

  test('enabled with every level off: error (upstream failed every poll with an empty IN list)', () => {
    const issues = problems(
      withLogDb(`${ENABLED}\nextractErrors: false\nextractWarnings: false\nextractInfo: false`),
    );
    const issue = issues.find((i) => i.path === 'Butler-SOS.logdb.extractErrors');
    assert.ok(issue, JSON.stringify(issues));
    assert.match(issue.message, /nothing would be read/);
  });

  test('queryPeriod must be a period the poller accepts (never SQL text)', () => {
    for (const bad of ['5', 'five minutes', "5 minutes'; DROP TABLE log_entries; --", '5 fortnights']) {
      const issues = problems(withLogDb(`${ENABLED}\nqueryPeriod: ${JSON.stringify(bad)}`));
      assert.ok(
        issues.some((i) => i.path === 'Butler-SOS.logdb.queryPeriod'),
        `${bad}: ${JSON.stringify(issues)}`,
      );
    }
    for (const good of ['5 minutes', '1 hour', '30 seconds', '2 days', '1 Minute']) {
      const s = loadConfigText(withLogDb(`${ENABLED}\nqueryPeriod: ${good}`)).config['Butler-SOS'];
      assert.equal(s.logdb.queryPeriod, good);
    }
  });

  test('pollingInterval below 1000 ms is an error; a window shorter than the interval a warning', () => {
    const issues = problems(withLogDb(`${ENABLED}\npollingInterval: 500`));
    assert.ok(
      issues.some((i) => i.path === 'Butler-SOS.logdb.pollingInterval'),
      JSON.stringify(issues),
    );
    const { warnings } = loadConfigText(
      withLogDb(`${ENABLED}\npollingInterval: 600000\nqueryPeriod: 1 minute`),
    );
    assert.ok(
      warnings.some((w) => w.path === 'Butler-SOS.logdb.queryPeriod'),
      JSON.stringify(warnings),
    );
  });

  test('enabled with no server logDbHost: warning that rows only reach MQTT', () => {
    const text = withLogDb(ENABLED).replace('        logDbHost: SENSE1\n', '');
    const { warnings } = loadConfigText(text);
    assert.ok(
      warnings.some((w) => w.path === 'Butler-SOS.serversToMonitor.servers' && /logDbHost/.test(w.message)),
    );
  });

  test('disabled: problems inside the section are warnings and defaults apply', () => {
    const loaded = loadConfigText(withLogDb('enable: false\nport: nope\nqueryPeriod: garbage'));
    assert.equal(loaded.config['Butler-SOS'].logdb.port, 4432);
    assert.ok(
      loaded.warnings.some((w) => w.path === 'Butler-SOS.logdb.port'),
      JSON.stringify(loaded.warnings),
    );
  });
});

describe('logdb password is a secret', () => {
  test('isSecretPath covers qlogsReaderPwd', () => {
    assert.equal(isSecretPath(['Butler-SOS', 'logdb', 'qlogsReaderPwd']), true);
    assert.equal(isSecretPath(['Butler-SOS', 'logdb', 'qlogsReaderUser']), false);
  });

  test('masked in the config view, with and without obfuscation', () => {
    const { config } = loadConfigText(withLogDb(ENABLED));
    for (const obfuscate of [true, false]) {
      const masked = maskConfig(config, { obfuscate });
      assert.equal(masked['Butler-SOS'].logdb.qlogsReaderPwd, MASK);
      assert.ok(!JSON.stringify(masked).includes(PASSWORD));
    }
  });

  test('redacted from any text (log lines, errors), also URL-encoded', () => {
    const { config } = loadConfigText(withLogDb(ENABLED));
    const redact = createSecretRedactor(config);
    const out = redact(
      `connect failed for qlogs_reader/${PASSWORD} and ${encodeURIComponent(PASSWORD)} via pg`,
    );
    assert.ok(!out.includes(PASSWORD), out);
    assert.ok(!out.includes(encodeURIComponent(PASSWORD)), out);
    assert.ok(out.includes('qlogs_reader'), out);
  });

  test('a bad password value is reported without showing it', () => {
    const text = withLogDb(`enable: true\nhost: db1\nqlogsReaderPwd: [${PASSWORD}]`);
    const issues = problems(text);
    const issue = issues.find((i) => i.path === 'Butler-SOS.logdb.qlogsReaderPwd');
    assert.ok(issue, JSON.stringify(issues));
    const shown = `${formatIssue(issue)} ${issue.found ?? ''} ${issue.message}`;
    assert.ok(!shown.includes(PASSWORD), shown);
  });
});
