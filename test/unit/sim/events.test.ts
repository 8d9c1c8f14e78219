import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { EventFactory, LOG_EVENT_KINDS, USER_EVENT_KINDS } from '../../../sim/events.ts';
import { ServerModel } from '../../../sim/model.ts';
import { createRandom } from '../../../sim/random.ts';

const APPENDERS = new URL('../../../sense-appenders/', import.meta.url);

/**
 * Logger names each appender of our appender file (sense-appenders/<service>/) is fed by,
 * keyed by the appender's marker.
 */
function appenderSelection(service: string): Map<string, string[]> {
  const xml = readFileSync(new URL(`${service}/LocalLogConfig.xml`, APPENDERS), 'utf8');
  const markerOf = new Map<string, string>();
  for (const m of xml.matchAll(
    /<appender name="([^"]+)"[\s\S]*?(?:<conversionPattern|name="conversionpattern") value="([^;"]*)/gi,
  )) {
    markerOf.set(m[1] as string, m[2] as string);
  }
  const loggers = new Map<string, string[]>();
  for (const m of xml.matchAll(/<logger name="([^"]+)">([\s\S]*?)<\/logger>/g)) {
    for (const ref of (m[2] as string).matchAll(/appender-ref ref="([^"]+)"/g)) {
      const marker = markerOf.get(ref[1] as string) as string;
      loggers.set(marker, [...(loggers.get(marker) ?? []), m[1] as string]);
    }
  }
  return loggers;
}

const selection = new Map([
  ...appenderSelection('engine'),
  ...appenderSelection('proxy'),
  ...appenderSelection('repository'),
  ...appenderSelection('scheduler'),
]);

const FIELD_COUNTS: Record<string, number> = {
  '/qseow-engine/': 19,
  '/qseow-proxy/': 16,
  '/qseow-repository/': 16,
  '/qseow-scheduler/': 18,
  '/qseow-qix-perf/': 26,
};
const LOWER_GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function factory(seed: number, servers = 2) {
  const rng = createRandom(seed);
  const models = Array.from(
    { length: servers },
    (_, i) => new ServerModel(i, `sense-node-${i + 1}`, ['/', '/hdr'], rng, new Date(2025, 2, 10, 6)),
  );
  return { models, events: new EventFactory(models, rng) };
}

test('generated log events have the layout field count, a logger the appender selects, and its levels', () => {
  const { models, events } = factory(7);
  const hosts = new Set(models.map((m) => m.hostName));
  for (const kind of LOG_EVENT_KINDS) {
    for (let i = 0; i < 300; i++) {
      const node = i % 2;
      const fields = events.logEvent(kind, node).split(';');
      const marker = fields[0] as string;
      assert.equal(fields.length, FIELD_COUNTS[marker], `${kind}: ${fields.join(';')}`);
      const rownum = Number(fields[1]);
      assert.ok(Number.isInteger(rownum) && rownum >= 1 && rownum <= 9999);
      assert.match(fields[2] as string, /^\d{8}T\d{6}\.\d{3}[+-]\d{4}$/);
      assert.match(fields[3] as string, /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2},\d{3}$/);
      const level = fields[4] as string;
      if (kind === 'qixPerf') assert.equal(level, 'INFO');
      else assert.ok(['WARN', 'ERROR', 'FATAL'].includes(level), level);
      assert.ok(hosts.has(fields[5] as string));
      const logger = fields[6] as string;
      const roots = selection.get(marker) ?? [];
      assert.ok(
        roots.some((r) => logger === r || logger.startsWith(`${r}.`)),
        `${logger} is fed to ${marker} (${roots.join(', ')})`,
      );
      if (kind === 'qixPerf') {
        assert.ok(fields[8] === '0' || LOWER_GUID.test(fields[8] as string));
        assert.ok(Number.isFinite(Number(fields[16])), 'process time is a number');
        assert.ok(Number(fields[23]) >= 0 && Number(fields[24]) >= Number(fields[23]));
      }
    }
  }
});

test('row numbers count per node and appender and wrap after 9999', () => {
  const { events } = factory(3, 1);
  const rows: number[] = [];
  for (let i = 0; i < 10_001; i++) rows.push(Number(events.logEvent('engine', 0).split(';')[1]));
  assert.equal(rows[0], 1);
  assert.equal(rows[9998], 9999);
  assert.equal(rows[9999], 1);
  // Another appender has its own counter.
  assert.equal(events.logEvent('proxy', 0).split(';')[1], '1');
});

test('generated user events pass the proxy appender filters and keep sessions in order', () => {
  const { models, events } = factory(11, 1);
  const users = new Set(models[0]?.users.map((u) => u.id));
  const started = new Map<string, number>();
  const commands = new Map<string, number>();
  for (let i = 0; i < 2000; i++) {
    const { kind, datagram } = events.userEvent(
      USER_EVENT_KINDS[i % 2] as (typeof USER_EVENT_KINDS)[number],
      0,
    );
    const parts = datagram.split(';');
    assert.ok(parts.length >= 8);
    const message = parts.slice(7).join(';');
    const command = parts[2] as string;
    commands.set(command, (commands.get(command) ?? 0) + 1);
    if (kind === 'userSession') {
      assert.equal(parts[0], '/qseow-proxy-session/');
      assert.match(message, /(Start|Stop) session for user/);
    } else {
      assert.equal(parts[0], '/qseow-proxy-connection/');
      assert.match(message, /connection (Opened|Closed) for session/);
    }
    assert.ok(users.has(parts[4] as string));
    const key = `${parts[3]}\\${parts[4]}`;
    if (command === 'Start session') started.set(key, (started.get(key) ?? 0) + 1);
    if (command === 'Stop session') {
      assert.ok((started.get(key) ?? 0) > 0, `stop of ${key} follows a start`);
      started.set(key, (started.get(key) ?? 0) - 1);
    }
    if (parts[6]?.startsWith('/app/')) {
      const id = (parts[6] as string).slice(5).split('?')[0];
      assert.ok(
        models[0]?.apps.some((a) => a.id === id),
        'app contexts name this node’s apps',
      );
    }
  }
  for (const c of ['Start session', 'Stop session', 'Open connection', 'Close connection']) {
    assert.ok((commands.get(c) ?? 0) > 50, `${c} occurs`);
  }
});

test('the same seed gives the same events', () => {
  const a = factory(42).events;
  const b = factory(42).events;
  const strip = (s: string) => s.split(';').filter((_, i) => i !== 2 && i !== 3); // drop the clock fields
  for (let i = 0; i < 50; i++) {
    assert.deepEqual(strip(a.logEvent('scheduler', 1)), strip(b.logEvent('scheduler', 1)));
    assert.deepEqual(a.userEvent('userConnection', 0), b.userEvent('userConnection', 0));
  }
});
