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
  type MalformedLogKind,
  type MalformedUserKind,
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
import { parseLogEventDatagram } from '../../../src/sources/log-events/parse.ts';
import { parseUserEventDatagram } from '../../../src/sources/user-events/parse.ts';
import { corpusSkip, readCorpusJson, readCorpusText } from '../../support/compat-corpus.ts';
import {
  caseById,
  datagramText,
  LOG_EVENTS,
  MALFORMED_LOG_EVENTS,
  USER_EVENTS,
} from '../../support/datagram-fixtures.ts';

const APPENDERS = new URL('../../../sense-appenders/', import.meta.url);
/** Our appender file of a Sense service (sense-appenders/<service>/LocalLogConfig.xml). */
const ownAppenderXml = (service: string): string =>
  readFileSync(new URL(`${service}/LocalLogConfig.xml`, APPENDERS), 'utf8');
/** Upstream's appender file of a Sense service, from the compatibility corpus. */
const upstreamAppenderXml = (service: string): string =>
  readCorpusText(`log_appender_xml/${service}/LocalLogConfig.xml`);

/**
 * Every conversion pattern of an appender XML file, keyed by its marker. Both spellings
 * log4net reads: `<conversionPattern value="…"/>` and `<param name="conversionpattern" value="…"/>`.
 */
function patternsOf(xml: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of xml.matchAll(/(?:<conversionPattern|name="conversionpattern") value="([^"]*)"/gi)) {
    const pattern = m[1] as string;
    out.set(pattern.split(';')[0] as string, pattern);
  }
  return out;
}

const LAYOUTS_BY_SERVICE: [string, { marker: string; entries: { token: string }[] }][] = [
  ['engine', ENGINE_LOG_LAYOUT],
  ['engine', QIX_PERF_LAYOUT],
  ['proxy', PROXY_LOG_LAYOUT],
  ['proxy', USER_SESSION_LAYOUT],
  ['proxy', USER_CONNECTION_LAYOUT],
  ['repository', REPOSITORY_LOG_LAYOUT],
  ['scheduler', SCHEDULER_LOG_LAYOUT],
];

/** Each layout equals the pattern of its appender, and no appender is left without a layout. */
function checkPatterns(xmlOf: (service: string) => string): void {
  const patterns = new Map(
    ['engine', 'proxy', 'repository', 'scheduler'].map((s) => [s, patternsOf(xmlOf(s))]),
  );
  for (const [service, layout] of LAYOUTS_BY_SERVICE) {
    const pattern = patterns.get(service)?.get(layout.marker);
    assert.ok(pattern, `${service} XML has an appender for ${layout.marker}`);
    assert.equal(conversionPattern(layout), pattern);
  }
  const all = [...patterns.values()].flatMap((p) => [...p.keys()]);
  assert.equal(all.length, LAYOUTS_BY_SERVICE.length);
}

test('each layout is exactly the conversion pattern of its appender in sense-appenders/', () => {
  checkPatterns(ownAppenderXml);
});

test("each layout is exactly the conversion pattern of upstream's appender XML", { skip: corpusSkip }, () => {
  checkPatterns(upstreamAppenderXml);
});

test('field counts per layout (19, 16, 16, 18, 26, 8, 8)', () => {
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

const LOG_BUILDERS: Record<string, [Layout<Record<string, unknown>>, (f: never) => string]> = {
  '/qseow-engine/': [ENGINE_LOG_LAYOUT as never, engineLogDatagram],
  '/qseow-proxy/': [PROXY_LOG_LAYOUT as never, proxyLogDatagram],
  '/qseow-repository/': [REPOSITORY_LOG_LAYOUT as never, repositoryLogDatagram],
  '/qseow-scheduler/': [SCHEDULER_LOG_LAYOUT as never, schedulerLogDatagram],
  '/qseow-qix-perf/': [QIX_PERF_LAYOUT as never, qixPerfDatagram],
};

/** Each well-formed log-event datagram, split into its layout's named fields, is rebuilt exactly. */
function checkLogBuilders(datagrams: string[]): void {
  for (const datagram of datagrams) {
    const entry = LOG_BUILDERS[datagram.split(';')[0] as string];
    assert.ok(entry, `a builder for ${datagram.slice(0, 30)}`);
    const [layout, build] = entry;
    assert.equal(build(fieldsOf(layout, datagram, false) as never), datagram);
  }
}

/** Each well-formed user-event datagram is rebuilt exactly, semicolons in the message kept. */
function checkUserBuilders(datagrams: string[]): void {
  const wellFormed = datagrams.filter(
    (d) => /^\/qseow-proxy-(session|connection)\/;/.test(d) && d.split(';').length >= 8,
  );
  assert.ok(wellFormed.length >= 6);
  for (const datagram of wellFormed) {
    const session = datagram.startsWith('/qseow-proxy-session/');
    const layout = (session ? USER_SESSION_LAYOUT : USER_CONNECTION_LAYOUT) as never;
    const built = (session ? userSessionDatagram : userConnectionDatagram)(fieldsOf(layout, datagram, true));
    assert.equal(built, datagram);
  }
}

interface UpstreamCase {
  datagram: string;
  forwarded: boolean;
}
const upstreamDatagrams = (file: string): string[] =>
  readCorpusJson<{ cases: UpstreamCase[] }>(`constructed/${file}`).cases.map((c) => c.datagram);

test('the builders reproduce every well-formed log-event datagram of the fixtures', () => {
  const markers = new Set(LOG_EVENTS.cases.map((c) => c.datagram.split(';')[0]));
  assert.deepEqual([...markers].sort(), Object.keys(LOG_BUILDERS).sort(), 'every layout is exercised');
  checkLogBuilders(LOG_EVENTS.cases.map((c) => c.datagram));
});

test('the builders reproduce the well-formed user-event datagrams of the fixtures', () => {
  checkUserBuilders(USER_EVENTS.cases.filter((c) => c.encoding === undefined).map((c) => c.datagram));
});

test("the builders reproduce upstream's well-formed log-event and user-event examples", {
  skip: corpusSkip,
}, () => {
  checkLogBuilders(upstreamDatagrams('log-event-datagrams.json'));
  checkUserBuilders(upstreamDatagrams('user-event-datagrams.json'));
});

test('builders state fields by name, e.g. the engine event outside any user session', () => {
  const datagram = engineLogDatagram({
    rownum: 88,
    isoDate: '20241105T090241.377+0100',
    localDate: '2024-11-05 09:02:41,377',
    level: 'ERROR',
    hostname: 'qsnode-b.northwind.test',
    logger: 'Performance.Engine.Engine',
    serviceUser: 'NORTHWIND\\svc_qliksense',
    message: 'Memory usage above the high limit: 94 percent of 64 GB in use',
    proxySessionId: '0',
    activeUserDirectory: '',
    activeUserId: '',
    engineTimestamp: '2024-11-05T08:02:41.377Z',
    processId: '19c4f7e2-8b3a-4d51-a6e0-5f2d9c8b7a16',
    exeVersion: '14.173.3',
    serverStarted: '20241101T053044.812+0100',
    entryType: 'Error',
    sessionId: '',
    appId: '',
  });
  assert.equal(datagram, caseById(LOG_EVENTS, 'engine-no-user-no-app').datagram);
});

/** What the parser makes of a datagram: `accepted`, or the rejection reason. */
const logOutcome = (text: string) => {
  const r = parseLogEventDatagram(text, { receivedAtMs: 0, timeNsOffset: 0 });
  return r.ok ? 'accepted' : r.reason;
};
const userOutcome = (text: string) => {
  const r = parseUserEventDatagram(text, { receivedAtMs: 0, timeNsOffset: 0 });
  return r.ok ? 'accepted' : r.reason;
};

/** For each malformed kind the simulator sends, the fixture case exercising the same rule. */
const SAME_LOG_RULE: Record<MalformedLogKind, string> = {
  tooFewFields: 'engine-too-few-fields',
  tooManyFields: 'qixperf-extra-fields',
  semicolonInMessage: 'engine-semicolons-in-message',
  markerWithoutSlashes: 'marker-without-slashes',
  unknownMarker: 'unknown-marker',
  markerWithWhitespace: 'marker-leading-space',
  userMarkerOnLogPort: 'user-event-marker',
  nonNumericRownum: 'repository-too-few-fields',
  negativeRownum: 'scheduler-one-field-short',
  upperCaseGuids: 'engine-guid-forms',
  trailingNewline: 'scheduler-trailing-line-end',
  controlCharacters: 'engine-control-characters',
  overlongMessage: 'repository-overlong-fields',
  nullProperties: 'engine-null-properties',
  schedulerUserWithoutBackslash: 'scheduler-user-without-backslash',
  halfUser: 'proxy-half-user',
  qixPerfPlaceholderValues: 'qixperf-bad-numbers',
  qixPerfUnparsableNumbers: 'qixperf-two-fields',
  invalidUtf8: 'engine-not-utf8',
  emptyDatagram: 'empty',
  oversize: 'repository-overlong-fields',
};
const SAME_USER_RULE: Record<MalformedUserKind, string> = {
  markerWithoutSlashes: 'connection-marker-without-slashes',
  unknownMarker: 'unknown-marker',
  tooFewFields: 'three-fields',
  oddContextAndEmptyUserAgent: 'connection-sheet-context',
  semicolonsInMessage: 'session-stop-semicolons',
  multipleUserAgents: 'session-two-agent-markers',
  emptyHostAndOrigin: 'session-null-properties',
  invalidUtf8: 'session-start-not-utf8',
  emptyDatagram: 'empty',
};

test('every malformed log-event kind the simulator sends has the outcome of its fixture case', () => {
  assert.deepEqual(Object.keys(SAME_LOG_RULE).sort(), [...MALFORMED_LOG_KINDS].sort());
  for (const kind of MALFORMED_LOG_KINDS) {
    const c = caseById(MALFORMED_LOG_EVENTS, SAME_LOG_RULE[kind]);
    assert.equal(
      logOutcome(malformedLogDatagram(kind).toString('utf8')),
      c.rejected?.reason ?? 'accepted',
      `${kind} as ${c.id}`,
    );
  }
});

test('every odd user-event kind the simulator sends has the outcome of its fixture case', () => {
  assert.deepEqual(Object.keys(SAME_USER_RULE).sort(), [...MALFORMED_USER_KINDS].sort());
  for (const kind of MALFORMED_USER_KINDS) {
    const c = caseById(USER_EVENTS, SAME_USER_RULE[kind]);
    assert.equal(
      userOutcome(malformedUserDatagram(kind).toString('utf8')),
      userOutcome(datagramText(c)),
      `${kind} as ${c.id}`,
    );
    assert.equal(userOutcome(datagramText(c)), c.rejected?.reason ?? 'accepted', c.id);
  }
});

/**
 * What an odd datagram exercises, whatever its values: the marker as written, the number of
 * fields and the parser's outcome (for user events also whether an app id was found).
 */
const logShape = (text: string) => `${text.split(';')[0]} ${text.split(';').length} ${logOutcome(text)}`;
const userShape = (text: string) => {
  const r = parseUserEventDatagram(text, { receivedAtMs: 0, timeNsOffset: 0 });
  const app = r.ok ? ` app:${r.event.appId !== undefined}` : '';
  return `${text.split(';')[0]} ${text.split(';').length} ${userOutcome(text)}${app}`;
};

test("every malformed log-event example of upstream's corpus has a builder of its shape", {
  skip: corpusSkip,
}, () => {
  const built = new Set(MALFORMED_LOG_KINDS.map((k) => logShape(malformedLogDatagram(k).toString('utf8'))));
  for (const datagram of upstreamDatagrams('log-event-datagrams-malformed.json'))
    assert.ok(built.has(logShape(datagram)), `builder for ${logShape(datagram)}`);
});

test("every odd user-event example of upstream's corpus has a builder of its shape", {
  skip: corpusSkip,
}, () => {
  const built = new Set(
    MALFORMED_USER_KINDS.map((k) => userShape(malformedUserDatagram(k).toString('utf8'))),
  );
  const userDatagrams = upstreamDatagrams('user-event-datagrams.json');
  const odd = userDatagrams.filter((d) => d.split(';').length < 8 || !d.startsWith('/qseow-proxy-'));
  assert.ok(odd.length >= 3);
  for (const d of odd) assert.ok(built.has(userShape(d)), `builder for ${userShape(d)}`);
  // The odd-context example (upper-case GUID with a sheet path, empty user agent) too.
  const sheet = userDatagrams.find((d) => d.includes('/sheet/'));
  const ours = malformedUserDatagram('oddContextAndEmptyUserAgent').toString('utf8');
  assert.ok(sheet && userShape(sheet) === userShape(ours));
  assert.match(ours, /\/app\/[0-9A-F-]{36}\/sheet\/[^;]+;UserAgent: $/);
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
  assert.match(malformedLogDatagram('upperCaseGuids').toString(), /;4EB7B0DD-B892-41A6-805A-43255831E559;/);
  assert.match(malformedLogDatagram('unknownMarker').toString(), /^\/qseow-printing\/;/);
  const sched = malformedLogDatagram('schedulerUserWithoutBackslash').toString().split(';');
  assert.deepEqual(sched.slice(10, 13), ['', '', 'lina.berg']);
  assert.deepEqual(malformedLogDatagram('halfUser').toString().split(';').slice(10, 12), ['NORTHWIND', '']);
  assert.ok(malformedLogDatagram('markerWithWhitespace').toString().startsWith(' /qseow-engine/;'));
  const semis = malformedUserDatagram('semicolonsInMessage').toString().split(';');
  assert.equal(
    semis.slice(7).join(';'),
    "Stop session for user 'NORTHWIND\\lina.berg'; reason: logout; open tabs: 2",
  );
  const agents = malformedUserDatagram('multipleUserAgents')
    .toString()
    .match(/UserAgent:/g);
  assert.equal(agents?.length, 2);
});

test('time formats are the compact ISO-8601 of %longIso8601date and the log4net %date', () => {
  const d = new Date(2024, 10, 5, 8, 30, 15, 120); // local time, as Sense writes it
  const iso = longIso8601Date(d);
  assert.match(iso, /^20241105T083015\.120[+-]\d{4}$/);
  const offset = -d.getTimezoneOffset();
  const sign = offset >= 0 ? '+' : '-';
  const abs = Math.abs(offset);
  assert.equal(
    iso.slice(-5),
    `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}${String(abs % 60).padStart(2, '0')}`,
  );
  assert.equal(log4netDate(d), '2024-11-05 08:30:15,120');
});
