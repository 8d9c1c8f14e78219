import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { DailyFileStream, localDateStamp } from '../../../src/logging/daily-file.ts';
import { createLogger } from '../../../src/logging/logger.ts';

function collector() {
  const lines: string[] = [];
  return { lines, write: (s: string) => lines.push(s) };
}

test('text format is "<ISO time> <level>: <message>" with context after the message', () => {
  const out = collector();
  const log = createLogger('info', { console: out, colour: false });
  log.info('MAIN: started', { port: 3100 });
  log.verbose('hidden below info');
  assert.equal(out.lines.length, 1);
  assert.match(
    out.lines[0]!,
    /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z info: MAIN: started \{"port":3100\}\n$/,
  );
});

test('console colours only the level word when colour is on', () => {
  const out = collector();
  const log = createLogger('debug', { console: out, colour: true });
  log.warn('HEARTBEAT: slow');
  assert.ok(out.lines[0]!.endsWith(' \x1b[33mwarn\x1b[39m: HEARTBEAT: slow\n'), out.lines[0]);
});

test('child bindings and error stacks appear in the text line', () => {
  const out = collector();
  const log = createLogger('info', { console: out, colour: false }).child({ module: 'x' });
  log.error('LOG DB: poll failed', { error: new Error('boom') });
  const line = out.lines[0]!;
  assert.match(line, /error: LOG DB: poll failed \{"module":"x","error":"boom"\}\nError: boom\n {4}at /);
});

test('the redaction hook is applied to every line, message and context alike', () => {
  const out = collector();
  const secret = 's3cr3t-token-value';
  const redact = (s: string) => s.replaceAll(secret, '**********');
  const log = createLogger('silly', { console: out, colour: false, redact });
  log.info(`key is ${secret}`);
  log.debug('ctx', { header: secret });
  log.error('err', { error: new Error(`failed with ${secret}`) });
  assert.equal(out.lines.length, 3);
  for (const line of out.lines) {
    assert.ok(!line.includes(secret), line);
    assert.ok(line.includes('**********'), line);
  }
});

test('json format keeps pino JSON, redacted', () => {
  const out = collector();
  const log = createLogger('info', { console: out, format: 'json', redact: (s) => s.replace('pw1', 'xxx') });
  log.info('m', { password: 'pw1' });
  const obj = JSON.parse(out.lines[0]!);
  assert.equal(obj.msg, 'm');
  assert.equal(obj.password, 'xxx');
  assert.equal(obj.level, 30);
});

test('setLevel changes what is written', () => {
  const out = collector();
  const log = createLogger('info', { console: out, colour: false });
  log.debug('a');
  log.setLevel('debug');
  log.debug('b');
  assert.equal(out.lines.length, 1);
  assert.match(out.lines[0]!, /debug: b/);
});

test('file logging writes butler-sos.<local date>.log without colour codes', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'bsos-log-'));
  try {
    const out = collector();
    const log = createLogger('info', { console: out, colour: true, file: { directory: join(dir, 'log') } });
    log.info('MAIN: to file');
    assert.equal(log.currentFile, join(dir, 'log', `butler-sos.${localDateStamp(new Date())}.log`));
    await log.close();
    const text = readFileSync(log.currentFile!, 'utf8');
    assert.match(text, /^\S+Z info: MAIN: to file\n$/);
    assert.ok(out.lines[0]!.includes('\x1b['), 'console line is coloured');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('daily file stream switches file when the local date changes and deletes files older than retention', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'bsos-roll-'));
  try {
    // Old files: 40 days and 10 days before the first day; an unrelated file is kept.
    let now = new Date(2026, 0, 31, 23, 59, 0);
    const day = (offset: number) => localDateStamp(new Date(2026, 0, 31 + offset));
    writeFileSync(join(dir, `butler-sos.${day(-40)}.log`), 'old\n');
    writeFileSync(join(dir, `butler-sos.${day(-10)}.log`), 'recent\n');
    writeFileSync(join(dir, 'other.log'), 'keep\n');
    const stream = new DailyFileStream({ directory: dir, retentionDays: 30, now: () => now });
    stream.write('first day\n');
    const afterStart = readdirSync(dir);
    assert.ok(!afterStart.includes(`butler-sos.${day(-40)}.log`), 'file older than 30 days deleted');
    assert.ok(afterStart.includes(`butler-sos.${day(-10)}.log`), 'file within retention kept');
    now = new Date(2026, 1, 1, 0, 0, 1);
    stream.write('second day\n');
    await stream.end();
    assert.equal(readFileSync(join(dir, 'butler-sos.2026-01-31.log'), 'utf8'), 'first day\n');
    assert.equal(readFileSync(join(dir, 'butler-sos.2026-02-01.log'), 'utf8'), 'second day\n');
    assert.ok(readdirSync(dir).includes('other.log'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
