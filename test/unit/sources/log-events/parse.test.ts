/**
 * Golden tests of the log-event parser: the project's datagram fixtures (every layout, and
 * the malformed and odd datagrams) compared field by field with the records written by hand
 * from the layouts (docs/reference/udp-events.md#log-event-layouts). Then rules checked one
 * field at a time. Last, upstream's constructed datagrams with the records upstream v14 makes
 * of them, our deliberate differences applied (only when the compatibility corpus is present).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { LogEventRecord } from '../../../../src/records/log-event.ts';
import { LOG_EVENT_MEMBERS } from '../../../../src/records/log-event.ts';
import { parseLogEventDatagram } from '../../../../src/sources/log-events/parse.ts';
import { corpusSkip, readCorpusJson } from '../../../support/compat-corpus.ts';
import {
  appNameOf,
  caseById,
  datagramText,
  expectedOf,
  LOG_EVENTS,
  type LogEventCase,
  MALFORMED_LOG_EVENTS,
} from '../../../support/datagram-fixtures.ts';

const opts = { ...LOG_EVENTS.parseOptions, appNameOf: appNameOf(LOG_EVENTS) };

/** The record's members only (no receive-time bookkeeping), in the record's own order. */
function members(event: LogEventRecord): Record<string, unknown> {
  const r = event as unknown as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const key of LOG_EVENT_MEMBERS[event.source]) out[key] = r[key];
  return out;
}

function parseOk(datagram: string): LogEventRecord {
  const result = parseLogEventDatagram(datagram, opts);
  assert.ok(result.ok, `expected ${datagram.slice(0, 40)} to parse, got ${JSON.stringify(result)}`);
  return result.event;
}

/** The whole parse result of a fixture case against what the case says. */
function checkCase(c: LogEventCase): void {
  const result = parseLogEventDatagram(datagramText(c), opts);
  if (c.rejected !== undefined) {
    // JSON drops the members a rejection leaves undefined.
    assert.deepEqual(JSON.parse(JSON.stringify(result)), { ok: false, ...c.rejected });
    return;
  }
  assert.ok(result.ok, `expected ${c.id} to parse, got ${JSON.stringify(result)}`);
  const expected = expectedOf(c);
  assert.deepEqual(members(result.event), expected);
  assert.deepEqual(Object.keys(expected), LOG_EVENT_MEMBERS[result.event.source], 'payload member order');
  assert.equal(result.event.receivedAtMs, opts.receivedAtMs);
  assert.equal(result.event.timeNsOffset, opts.timeNsOffset);
  assert.equal(result.event.category, undefined, 'categories are added by the handler, not the parser');
  assert.deepEqual(result.perf, c.perf, 'performance filter values (engine performance events only)');
}

describe('log-event parser: well-formed datagrams of every layout', () => {
  it('the fixtures hold every layout', () => {
    const layouts = new Set(LOG_EVENTS.cases.map((c) => c.layout));
    assert.deepEqual([...layouts].sort(), ['engine', 'proxy', 'qix-perf', 'repository', 'scheduler']);
  });

  for (const c of LOG_EVENTS.cases) {
    it(`${c.layout} ${c.id}: ${c.description}`, () => {
      assert.ok(c.expected, 'a well-formed case has an expected record');
      checkCase(c);
    });
  }
});

describe('log-event parser: malformed and odd datagrams', () => {
  for (const c of MALFORMED_LOG_EVENTS.cases) {
    const outcome = c.rejected ? `rejected (${c.rejected.reason})` : 'accepted';
    it(`${c.id}, ${outcome}: ${c.description}`, () => checkCase(c));
  }

  it('does not treat prototype names as markers', () => {
    for (const m of ['__proto__', 'constructor', 'toString', 'hasOwnProperty']) {
      assert.deepEqual(parseLogEventDatagram(`${m};1;2`, opts), { ok: false, reason: 'unknown_marker' });
    }
  });
});

describe('log-event parser: field rules', () => {
  const engine = caseById(LOG_EVENTS, 'engine-user-app');
  const proxy = caseById(LOG_EVENTS, 'proxy-access-denied');
  const proxyException = caseById(LOG_EVENTS, 'proxy-exception-no-user');
  const qix = caseById(LOG_EVENTS, 'qixperf-user-getlayout');
  const engineFields = engine.datagram.split(';');
  const withField = (fields: string[] | string, i: number, v: string) =>
    (typeof fields === 'string' ? fields.split(';') : fields).map((f, j) => (j === i ? v : f)).join(';');

  it('strips control characters and truncates the message to 1000 characters', () => {
    const msg = `a\u0001b\u007fc${'x'.repeat(2000)}`;
    const e = parseOk(withField(engineFields, 8, msg)) as { message: string };
    assert.equal(e.message.length, 1000);
    assert.ok(e.message.startsWith('abcxxx'));
  });

  it('never cuts a surrogate pair in half when truncating', () => {
    const msg = `${'x'.repeat(999)}😀tail`;
    const e = parseOk(withField(engineFields, 8, msg)) as { message: string };
    assert.equal(e.message, 'x'.repeat(999));
  });

  it('rejects upper-case, braced and 0 GUIDs', () => {
    const guid = engineFields[9]!;
    for (const bad of [guid.toUpperCase(), `{${guid}}`, '0', '']) {
      const e = parseOk(withField(engineFields, 9, bad)) as { proxy_session_id: string };
      assert.equal(e.proxy_session_id, '', bad);
    }
  });

  it('keeps the last GUID when the datagram ends in CR/LF', () => {
    const e = parseOk(`${engine.datagram}\r\n`) as { app_id: string };
    assert.equal(e.app_id, expectedOf(engine).app_id);
    assert.notEqual(e.app_id, '');
  });

  it('maps log4net "(null)" property values to ""', () => {
    const dg = withField(withField(engineFields, 10, '(null)'), 11, '(null)');
    const e = parseOk(dg);
    assert.equal(e.user_directory, '');
    assert.equal(e.user_full, '');
  });

  it('parses log_row leniently: 12abc → 12; engine 0 → -1, proxy keeps 0', () => {
    assert.equal(parseOk(withField(engineFields, 1, '12abc')).log_row, 12);
    assert.equal(parseOk(withField(engineFields, 1, '0')).log_row, -1);
    assert.equal(parseOk(withField(proxy.datagram, 1, '0')).log_row, 0);
    assert.equal(parseOk(withField(proxy.datagram, 1, 'x')).log_row, -1);
  });

  it('rejects a ts_iso that is not a timestamp, and keeps the hyphenated form', () => {
    assert.equal(parseOk(withField(engineFields, 2, '2024-11-05 garbage')).ts_iso, '');
    assert.equal(
      parseOk(withField(engineFields, 2, '2024-11-05T08:30:15.120+0100')).ts_iso,
      '2024-11-05T08:30:15.120+0100',
    );
    assert.equal(
      parseOk(withField(engineFields, 2, '20241105T083015.120-0500')).ts_iso,
      '20241105T083015.120-0500',
    );
  });

  it('recovers a proxy message with semicolons when the exception is empty', () => {
    const f = proxy.datagram.split(';');
    const dg = [...f.slice(0, 8), 'part one', ' part two', ' part three', ...f.slice(9)].join(';');
    const e = parseOk(dg) as {
      message: string;
      exception_message: string;
      context: string;
      result_code: string;
    };
    assert.equal(e.message, 'part one; part two; part three');
    assert.equal(e.exception_message, '');
    assert.equal(e.result_code, expectedOf(proxy).result_code);
    assert.equal(e.context, expectedOf(proxy).context);
  });

  it('splits message and exception at the exception type when both are present', () => {
    const f = proxyException.datagram.split(';');
    const dg = [
      ...f.slice(0, 8),
      'Failed; really',
      'System.Net.WebException: bad; worse',
      ...f.slice(10),
    ].join(';');
    const e = parseOk(dg) as { message: string; exception_message: string; command: string };
    assert.equal(e.message, 'Failed; really');
    assert.equal(e.exception_message, 'System.Net.WebException: bad; worse');
    assert.equal(e.command, expectedOf(proxyException).command);
  });

  it('qix-perf: unparsable times are null, bad request id −99, bad RAM −1, proxy session 0 → non-user', () => {
    const f = qix.datagram.split(';');
    f[8] = '0';
    f[14] = '-3';
    f[16] = 'abc';
    f[23] = 'n/a';
    const e = parseOk(f.join(';'));
    assert.equal(e.source, 'qseow-qix-perf');
    if (e.source !== 'qseow-qix-perf') return;
    assert.equal(e.process_time, null);
    assert.equal(e.work_time, expectedOf(qix).work_time);
    assert.equal(e.request_id, -99);
    assert.equal(e.net_ram, -1);
    assert.equal(e.event_activity_source, 'non-user');
    assert.equal(e.proxy_session_id, '');
  });

  it('qix-perf: no app name without a lookup function', () => {
    const r = parseLogEventDatagram(qix.datagram, { receivedAtMs: 1, timeNsOffset: 0 });
    assert.ok(r.ok && r.event.source === 'qseow-qix-perf');
    assert.equal(r.ok && r.event.source === 'qseow-qix-perf' && r.event.app_name, '');
    assert.deepEqual(r.ok && r.perf, { ...qix.perf, appName: '' });
  });
});

interface UpstreamCase {
  datagram: string;
  forwarded: boolean;
  parsedByUpstreamV14: Record<string, unknown> | null;
}
const upstreamCases = (file: string): UpstreamCase[] =>
  readCorpusJson<{ cases: UpstreamCase[] }>(`constructed/${file}`).cases;
/** The corpus's app-name table, as its engine performance records show it (app id → name). */
function upstreamOpts(cases: UpstreamCase[]) {
  const names = new Map<string, string>();
  for (const c of cases) {
    const r = c.parsedByUpstreamV14 as { source?: string; app_id?: string; app_name?: string } | null;
    if (r?.source === 'qseow-qix-perf' && r.app_id && r.app_name) names.set(r.app_id, r.app_name);
  }
  return { receivedAtMs: 1, timeNsOffset: 0, appNameOf: (id: string) => names.get(id) };
}

describe('log-event parser: upstream v14 records (compatibility corpus)', { skip: corpusSkip }, () => {
  const wellFormed = upstreamCases('log-event-datagrams.json');
  const malformed = upstreamCases('log-event-datagrams-malformed.json');
  const uopts = upstreamOpts(wellFormed);
  const parse = (datagram: string) => parseLogEventDatagram(datagram, uopts);
  const upstreamOk = (datagram: string): LogEventRecord => {
    const r = parse(datagram);
    assert.ok(r.ok, JSON.stringify(r));
    return r.event;
  };

  for (const [i, c] of wellFormed.entries()) {
    const upstream = c.parsedByUpstreamV14!;
    const fields = c.datagram.split(';');
    it(`#${i + 1} ${upstream.source}: upstream's record, with ts_iso/ts_local kept (upstream v14 stores "")`, () => {
      const expected = { ...upstream };
      // Deliberate difference: Sense's real timestamp forms are kept (compact ISO, log4net %date).
      expected.ts_iso = fields[2];
      expected.ts_local = fields[3];
      const event = upstreamOk(c.datagram);
      assert.deepEqual(members(event), expected);
      assert.deepEqual(Object.keys(members(event)), Object.keys(upstream), 'upstream member order');
    });
  }

  it('#1 upper-case marker accepted, but 9 of 19 engine fields rejected (upstream v14 stores "undefined")', () => {
    assert.deepEqual(parse(malformed[0]!.datagram), {
      ok: false,
      reason: 'too_few_fields',
      source: 'qseow-engine',
    });
  });

  it('#2 a semicolon inside the engine message does not shift the following fields', () => {
    const c = malformed[1]!;
    const fields = c.datagram.split(';');
    const e = upstreamOk(c.datagram) as Extract<LogEventRecord, { source: 'qseow-engine' }>;
    assert.equal(e.source, 'qseow-engine');
    assert.equal(e.message, `${fields[8]};${fields[9]}`);
    // The ten fields after the message, taken from the right, land where the layout puts them.
    const tail = fields.slice(-10);
    assert.deepEqual(
      [e.proxy_session_id, e.user_directory, e.user_id, e.engine_ts, e.process_id],
      tail.slice(0, 5),
    );
    assert.deepEqual(
      [e.engine_exe_version, e.server_started, e.entry_type, e.session_id, e.app_id],
      tail.slice(5),
    );
    assert.equal(e.user_full, `${tail[1]}\\${tail[2]}`);
    // Unchanged from upstream: row 0 is not a valid engine row number.
    assert.equal(e.log_row, c.parsedByUpstreamV14!.log_row);
  });

  it('#3 marker without slashes is rejected (as upstream)', () => {
    assert.equal(malformed[2]!.forwarded, false);
    assert.deepEqual(parse(malformed[2]!.datagram), { ok: false, reason: 'unknown_marker' });
  });

  it('#4 a user-event marker on the log port is rejected (as upstream)', () => {
    assert.equal(malformed[3]!.forwarded, false);
    assert.deepEqual(parse(malformed[3]!.datagram), { ok: false, reason: 'unknown_marker' });
  });

  it('#5 proxy datagram with 6 of 16 fields is rejected (upstream v14 stores "undefined")', () => {
    assert.equal(malformed[4]!.forwarded, true);
    assert.deepEqual(parse(malformed[4]!.datagram), {
      ok: false,
      reason: 'too_few_fields',
      source: 'qseow-proxy',
    });
  });

  it('#6 scheduler datagram with 9 of 18 fields is rejected (upstream v14 forwards it)', () => {
    const r = parse(malformed[5]!.datagram);
    assert.equal(!r.ok && r.reason, 'too_few_fields');
  });

  it('#7 qix-perf with numbers in every field: upstream record exactly', () => {
    assert.deepEqual(members(upstreamOk(malformed[6]!.datagram)), malformed[6]!.parsedByUpstreamV14);
  });

  it('#8 qix-perf with 2 of 26 fields is rejected (upstream v14 stores NaN and "undefined")', () => {
    const r = parse(malformed[7]!.datagram);
    assert.equal(!r.ok && r.reason, 'too_few_fields');
  });
});
