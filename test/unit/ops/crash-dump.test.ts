/**
 * Crash dumps: the files upstream v15 writes on a fatal error, with nothing private in them and
 * readable by their owner only. The last test runs the fatal path in a real process (logger,
 * safety net, dump) and checks the exit code and the files it leaves.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { loadConfigFile } from '../../../src/config/load.ts';
import { createSecretRedactor } from '../../../src/config/mask.ts';
import type { ButlerSosConfig } from '../../../src/config/schema.ts';
import { fileStem, writeCrashDump } from '../../../src/ops/crash-dump.ts';
import { FIXTURE_V15, REPO } from '../config/support.ts';

const dir = mkdtempSync(join(tmpdir(), 'crash-dump-test-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const config: ButlerSosConfig = loadConfigFile(FIXTURE_V15).config;
const settings = config['Butler-SOS'];
const INFLUX_PASSWORD = settings.influxdbConfig.v1Config.auth.password;
const crashFile = (directory: string, json = true, text = true) => ({
  enable: true,
  crashFileDirectory: directory,
  crashFileCreateJson: json,
  crashFileCreateText: text,
});

/** An error as a sink might throw it: a secret of the config, a URL password, a token, a home path. */
function leakyError(): Error {
  const error = new Error(
    `write to https://writer:${INFLUX_PASSWORD}@influx.example:8086/write failed; ` +
      `Authorization: Bearer abcdefghijklmnop; see /home/operator/private/notes.txt; pwd=${INFLUX_PASSWORD}`,
  );
  error.stack = `Error: ${error.message}\n    at send (file:///opt/butler-sos/src/destinations/influxdb/sink.ts:10:5)\n    at /home/operator/.npm/x.js:1:1`;
  return error;
}

describe('crash dumps', () => {
  test('JSON and text files, owner-only, named as upstream, with nothing private', () => {
    const folder = join(dir, 'dumps', 'nested');
    const at = new Date(2026, 0, 2, 3, 4, 5, 6);
    const files = writeCrashDump(leakyError(), 'uncaughtException', {
      crashFile: crashFile(folder),
      settings,
      version: '9.9.9',
      redact: createSecretRedactor(config),
      now: () => at,
      pid: 4242,
    });
    assert.equal(files.length, 2);
    assert.match(files[0]!, /crash_dump_20260102_030405_006_4242_\d+\.json$/);
    assert.match(files[1]!, /crash_dump_20260102_030405_006_4242_\d+\.txt$/);
    assert.equal(statSync(folder).mode & 0o777, 0o700);
    for (const file of files) assert.equal(statSync(file).mode & 0o777, 0o600);

    const json = JSON.parse(readFileSync(files[0]!, 'utf8'));
    assert.equal(json.version, '1.0');
    assert.equal(json.timestamp, at.toISOString());
    assert.deepEqual(json.app, { name: 'butler-sos', version: '9.9.9' });
    assert.equal(json.runtime.nodeVersion, process.versions.node);
    assert.deepEqual(json.context, { exitCode: 1, source: 'uncaughtException' });
    assert.equal(json.error.type, 'Error');
    assert.deepEqual(Object.keys(json.config).sort(), [
      'anonTelemetry',
      'auditEventsEnable',
      'fileLogging',
      'influxdbEnable',
      'influxdbVersion',
      'logDirectory',
      'logLevel',
      'mqttEnable',
      'prometheusEnable',
      'systemInfoEnable',
      'userEventsEnable',
    ]);
    assert.match(json.error.stack, /at send \(src\/destinations\/influxdb\/sink\.ts:10:5\)/);
    const text = readFileSync(files[1]!, 'utf8');
    assert.match(text, /BUTLER SOS CRASH REPORT/);
    assert.match(text, /Source: {5}uncaughtException/);
    for (const content of [readFileSync(files[0]!, 'utf8'), text]) {
      assert.ok(!content.includes(INFLUX_PASSWORD.slice(0, 6)), 'no password');
      assert.ok(!content.includes('abcdefghijklmnop'), 'no bearer token');
      assert.ok(!content.includes('/home/operator'), 'no private path');
      assert.match(content, /\[path\]/);
    }
  });

  test('nothing is written when disabled or with both formats off; an existing file is never overwritten', () => {
    const folder = join(dir, 'off');
    const options = { settings, version: '1', redact: (t: string) => t };
    const none = writeCrashDump(new Error('x'), 'logFatal', {
      ...options,
      crashFile: { ...crashFile(folder), enable: false },
    });
    const neither = writeCrashDump(new Error('x'), 'logFatal', {
      ...options,
      crashFile: crashFile(folder, false, false),
    });
    assert.deepEqual([none, neither], [[], []]);
    // The counter makes each name new; a file already there (another process) is an error, not lost.
    const at = new Date(2026, 0, 1);
    const taken = join(dir, 'taken');
    const first = writeCrashDump(new Error('x'), 'logFatal', {
      ...options,
      crashFile: crashFile(taken, true, false),
      now: () => at,
      pid: 1,
    });
    const next = fileStem(at, 1, Number(/_(\d+)\.json$/.exec(first[0]!)![1]) + 1);
    writeFileSync(join(taken, `${next}.json`), 'someone else');
    assert.throws(
      () =>
        writeCrashDump(new Error('x'), 'logFatal', {
          ...options,
          crashFile: crashFile(taken, true, false),
          now: () => at,
          pid: 1,
        }),
      /EEXIST/,
    );
    assert.equal(readFileSync(join(taken, `${next}.json`), 'utf8'), 'someone else');
  });

  test('a fatal error in a running process writes the dump, logs where, and exits 1', async () => {
    const site = mkdtempSync(join(dir, 'site-'));
    const script = join(site, 'crash.ts');
    writeFileSync(
      script,
      `
import { loadConfigFile } from '${REPO}src/config/load.ts';
import { createSecretRedactor } from '${REPO}src/config/mask.ts';
import { createLogger } from '${REPO}src/logging/logger.ts';
import { crashDumpOnFatal } from '${REPO}src/ops/crash-dump.ts';
import { installProcessSafetyNet } from '${REPO}src/ops/safety-net.ts';
const config = loadConfigFile(${JSON.stringify(FIXTURE_V15)}).config;
const s = config['Butler-SOS'];
s.crashFile.crashFileDirectory = 'crash';
const redact = createSecretRedactor(config);
const log = createLogger('info', { redact, format: 'text' });
installProcessSafetyNet(log, crashDumpOnFatal({ log, settings: s, version: '1.2.3', redact }), { redact });
setTimeout(() => { throw new Error('poll failed with pwd=' + s.influxdbConfig.v1Config.auth.password); }, 10);
`,
    );
    const run = await new Promise<{ code: number | null; out: string }>((resolve) => {
      execFile(process.execPath, [script], { cwd: site, timeout: 20_000 }, (error, stdout, stderr) =>
        resolve({ code: error ? (error.code as number) : 0, out: stdout + stderr }),
      );
    });
    assert.equal(run.code, 1, run.out);
    const files = readdirSync(join(site, 'crash')).sort();
    assert.equal(files.length, settings.crashFile.crashFileCreateText ? 2 : 1, files.join());
    for (const file of files) {
      assert.match(run.out, new RegExp(`CRASH DUMP: Written to .*${file}`));
      assert.ok(!readFileSync(join(site, 'crash', file), 'utf8').includes(INFLUX_PASSWORD.slice(0, 6)));
    }
    assert.ok(!run.out.includes(INFLUX_PASSWORD.slice(0, 6)));
  });
});
