import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import {
  conversionPattern,
  ENGINE_LOG_LAYOUT,
  engineLogDatagram,
  type Layout,
  log4netDate,
  longIso8601Date,
  MALFORMED_LOG_KINDS,
  MALFORMED_USER_KINDS,
  malformedLogDatagram,
  malformedUserDatagram,
  PROXY_LOG_LAYOUT,
  proxyLogDatagram,
  QIX_PERF_LAYOUT,
  qixPerfDatagram,
  REPOSITORY_LOG_LAYOUT,
  repositoryLogDatagram,
  SCHEDULER_LOG_LAYOUT,
  schedulerLogDatagram,
  USER_CONNECTION_LAYOUT,
  USER_SESSION_LAYOUT,
  userConnectionDatagram,
  userSessionDatagram,
} from '../../../sim/datagrams.ts';

const FIXTURES = new URL('../../../../shared/fixtures/', import.meta.url);
const readFixture = (path: string): string => readFileSync(new URL(path, FIXTURES), 'utf8');

/** Every `conversionpattern` value of an appender XML file, keyed by its marker. */
function patternsOf(service: string): Map<string, string> {
  const xml = readFixture(`log_appender_xml/${service}/LocalLogConfig.xml`);
  const out = new Map<string, string>();
  for (const m of xml.matchAll(/name="conversionpattern" value="([^"]*)"/g)) {
    const pattern = m[1] as string;
    out.set(pattern.split(';')[0] as string, pattern);
  }
  return out;
}

interface Case {
  datagram: string;
  forwarded: boolean;
}
const logCases = (JSON.parse(readFixture('constructed/log-event-datagrams.json')) as { cases: Case[] }).cases;
const malformedLogCases = (
  JSON.parse(readFixture('constructed/log-event-datagrams-malformed.json')) as { cases: Case[] }
).cases;
const userCases = (JSON.parse(readFixture('constructed/user-event-datagrams.json')) as { cases: Case[] })
  .cases;

test('each layout is exactly the conversion pattern of its appender XML', () => {
  const expected: [string, { marker: string; entries: { token: string }[] }][] = [
    ['engine', ENGINE_LOG_LAYOUT],
    ['engine', QIX_PERF_LAYOUT],
    ['proxy', PROXY_LOG_LAYOUT],
    ['proxy', USER_SESSION_LAYOUT],
    ['proxy', USER_CONNECTION_LAYOUT],
    ['repository', REPOSITORY_LOG_LAYOUT],
    ['scheduler', SCHEDULER_LOG_LAYOUT],
  ];
  let compared = 0;
  for (const [service, layout] of expected) {
    const pattern = patternsOf(service).get(layout.marker);
    assert.ok(pattern, `${service} XML has an appender for ${layout.marker}`);
    assert.equal(conversionPattern(layout), pattern);
    compared += 1;
  }
  // And no appender of the fixtures is left without a layout.
  const all = ['engine', 'proxy', 'repository', 'scheduler'].flatMap((s) => [...patternsOf(s).keys()]);
  assert.equal(all.length, compared);
});

test('field counts per layout match the reference (19, 16, 16, 18, 26, 8, 8)', () => {
  const counts = [
    [engineLogDatagram(), 19],
    [proxyLogDatagram(), 16],
    [repositoryLogDatagram(), 16],
    [schedulerLogDatagram(), 18],
    [qixPerfDatagram(), 26],
    [userSessionDatagram(), 8],
    [userConnectionDatagram(), 8],
  ] as const;
  for (const [datagram, fields] of counts) {
    assert.equal(datagram.split(';').length, fields, datagram);
    assert.ok(!datagram.endsWith('\n'), 'no line terminator');
  }
});

/** Maps a fixture datagram onto the layout's field names (message keeps its semicolons for user events). */
function fieldsOf(layout: Layout<Record<string, unknown>>, datagram: string, joinTail: boolean) {
  const parts = datagram.split(';');
  const values = joinTail
    ? [...parts.slice(0, layout.entries.length), parts.slice(layout.entries.length).join(';')]
    : parts;
  assert.equal(values.length, layout.entries.length + 1, `field count of ${datagram}`);
  return Object.fromEntries(layout.entries.map((e, i) => [e.field, values[i + 1]]));
}

test('the builders reproduce every well-formed log-event example of the reference', () => {
  const builders: Record<string, [Layout<Record<string, unknown>>, (f: never) => string]> = {
    '/qseow-engine/': [ENGINE_LOG_LAYOUT as never, engineLogDatagram],
    '/qseow-proxy/': [PROXY_LOG_LAYOUT as never, proxyLogDatagram],
    '/qseow-repository/': [REPOSITORY_LOG_LAYOUT as never, repositoryLogDatagram],
    '/qseow-scheduler/': [SCHEDULER_LOG_LAYOUT as never, schedulerLogDatagram],
    '/qseow-qix-perf/': [QIX_PERF_LAYOUT as never, qixPerfDatagram],
  };
  assert.equal(logCases.length, 15);
  for (const c of logCases) {
    const entry = builders[c.datagram.split(';')[0] as string];
    assert.ok(entry, `a builder for ${c.datagram.slice(0, 30)}`);
    const [layout, build] = entry;
    assert.equal(build(fieldsOf(layout, c.datagram, false) as never), c.datagram);
  }
});

test('the builders reproduce the well-formed user-event examples, semicolons in the message kept', () => {
  const wellFormed = userCases.filter(
    (c) => /^\/qseow-proxy-(session|connection)\/;/.test(c.datagram) && c.datagram.split(';').length >= 8,
  );
  assert.ok(wellFormed.length >= 6);
  for (const c of wellFormed) {
    const session = c.datagram.startsWith('/qseow-proxy-session/');
    const layout = (session ? USER_SESSION_LAYOUT : USER_CONNECTION_LAYOUT) as never;
    const built = (session ? userSessionDatagram : userConnectionDatagram)(
      fieldsOf(layout, c.datagram, true),
    );
    assert.equal(built, c.datagram);
  }
});

test('builders state fields by name, e.g. the reference engine example #2', () => {
  const datagram = engineLogDatagram({
    rownum: 1235,
    isoDate: '20250314T101901.002+0100',
    localDate: '2025-03-14 10:19:01,002',
    level: 'ERROR',
    hostname: 'sense-node2',
    message: 'Out of memory while calculating hypercube',
    proxySessionId: '0',
    activeUserDirectory: '',
    activeUserId: '',
    engineTimestamp: '2025-03-14T09:19:01.002Z',
    processId: '11111111-2222-4333-8444-555555555555',
    sessionId: '',
    appId: '',
  });
  assert.equal(datagram, logCases[1]?.datagram);
});

test('every malformed log-event example of the reference has a builder', () => {
  const built = new Set(MALFORMED_LOG_KINDS.map((k) => malformedLogDatagram(k).toString('utf8')));
  for (const c of malformedLogCases)
    assert.ok(built.has(c.datagram), `builder for ${c.datagram.slice(0, 40)}`);
});

test('every odd user-event example of the reference has a builder', () => {
  const built = new Set(MALFORMED_USER_KINDS.map((k) => malformedUserDatagram(k).toString('utf8')));
  const odd = userCases.filter(
    (c) => c.datagram.split(';').length < 8 || !c.datagram.startsWith('/qseow-proxy-'),
  );
  assert.ok(odd.length >= 3);
  for (const c of odd) assert.ok(built.has(c.datagram), `builder for ${c.datagram.slice(0, 40)}`);
  // The odd-context example (upper-case GUID with a sheet path, empty user agent) too.
  const sheet = userCases.find((c) => c.datagram.includes('/sheet/'));
  assert.ok(sheet && built.has(sheet.datagram));
});

test('malformed builders produce what their names say', () => {
  assert.equal(malformedLogDatagram('emptyDatagram').length, 0);
  assert.equal(malformedUserDatagram('emptyDatagram').length, 0);
  const bad = malformedLogDatagram('invalidUtf8');
  assert.notEqual(Buffer.from(bad.toString('utf8'), 'utf8').length, bad.length, 'not valid UTF-8');
  assert.ok(malformedLogDatagram('oversize').length > 60_000);
  assert.ok(malformedLogDatagram('oversize').length <= 65_507, 'still fits one IPv4 datagram');
  assert.ok(malformedLogDatagram('trailingNewline').toString().endsWith('\r\n'));
  assert.ok(malformedLogDatagram('controlCharacters').toString().includes('\u0007'));
  assert.equal(malformedLogDatagram('tooManyFields').toString().split(';').length, 18);
  assert.equal(malformedLogDatagram('semicolonInMessage').toString().split(';').length, 20);
  const nulls = malformedLogDatagram('nullProperties').toString().split(';');
  assert.equal(nulls[10], '(null)');
  assert.match(malformedLogDatagram('upperCaseGuids').toString(), /;6C0C8F27-8F61-4D7F-9D1E-2B7C1F5A9E10;/);
  assert.match(malformedLogDatagram('unknownMarker').toString(), /^\/qseow-printing\/;/);
  const sched = malformedLogDatagram('schedulerUserWithoutBackslash').toString().split(';');
  assert.deepEqual(sched.slice(10, 13), ['', '', 'anna']);
  assert.deepEqual(malformedLogDatagram('halfUser').toString().split(';').slice(10, 12), ['CORP', '']);
  assert.ok(malformedLogDatagram('markerWithWhitespace').toString().startsWith(' /qseow-engine/;'));
  const semis = malformedUserDatagram('semicolonsInMessage').toString().split(';');
  assert.equal(semis.slice(7).join(';'), "Stop session for user 'CORP\\anna'; reason: a; b; c");
  const agents = malformedUserDatagram('multipleUserAgents')
    .toString()
    .match(/UserAgent:/g);
  assert.equal(agents?.length, 2);
});

test('time formats are the compact ISO-8601 of %longIso8601date and the log4net %date', () => {
  const d = new Date(2025, 2, 14, 10, 15, 12, 345); // local time, as Sense writes it
  const iso = longIso8601Date(d);
  assert.match(iso, /^20250314T101512\.345[+-]\d{4}$/);
  const offset = -d.getTimezoneOffset();
  const sign = offset >= 0 ? '+' : '-';
  const abs = Math.abs(offset);
  assert.equal(
    iso.slice(-5),
    `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}${String(abs % 60).padStart(2, '0')}`,
  );
  assert.equal(log4netDate(d), '2025-03-14 10:15:12,345');
});
