/**
 * Golden tests: the reference's constructed datagrams (with upstream v14's records) through
 * our parser. Where we deliberately differ from upstream, the expected record is upstream's
 * with the fix applied, and the test name says which fix.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import type { LogEventRecord } from '../../../src/records/log-event.ts';
import { LOG_EVENT_MEMBERS } from '../../../src/records/log-event.ts';
import { parseLogEventDatagram } from '../../../src/sources/log-events/parse.ts';

interface Case {
  datagram: string;
  forwarded: boolean;
  parsedByUpstreamV14: Record<string, unknown> | null;
}
const fixtures = new URL('../../../../shared/fixtures/constructed', import.meta.url).pathname;
const wellFormed: Case[] = JSON.parse(readFileSync(`${fixtures}/log-event-datagrams.json`, 'utf8')).cases;
const malformed: Case[] = JSON.parse(
  readFileSync(`${fixtures}/log-event-datagrams-malformed.json`, 'utf8'),
).cases;

const apps = new Map([['a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d', 'Sales dashboard']]);
const opts = { receivedAtMs: 1_700_000_000_000, timeNsOffset: 7, appNameOf: (id: string) => apps.get(id) };

/** The record's upstream members only (no receive-time bookkeeping), NaN shown as upstream's fixture does. */
function upstreamView(event: LogEventRecord): Record<string, unknown> {
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

describe('log-event parser: well-formed datagrams of the reference', () => {
  for (const [i, c] of wellFormed.entries()) {
    const upstream = c.parsedByUpstreamV14!;
    const fields = c.datagram.split(';');
    it(`#${i + 1} ${upstream.source}: upstream's record, with ts_iso/ts_local kept (fix: v14 stores "")`, () => {
      const event = parseOk(c.datagram);
      const expected = { ...upstream };
      // Fix: Sense's real timestamp forms are kept (compact ISO in field 2, log4net %date in field 3).
      expected.ts_iso = fields[2];
      expected.ts_local = fields[3];
      assert.deepEqual(upstreamView(event), expected);
      assert.equal(event.receivedAtMs, opts.receivedAtMs);
      assert.equal(event.timeNsOffset, opts.timeNsOffset);
    });
  }

  it('keeps members in upstream order (payload order)', () => {
    const event = parseOk(wellFormed[0]!.datagram);
    assert.deepEqual(Object.keys(upstreamView(event)), Object.keys(wellFormed[0]!.parsedByUpstreamV14!));
  });
});

describe('log-event parser: malformed and odd datagrams (sense-inputs.md §13.3)', () => {
  it('#1 upper-case marker is accepted, but 9 of 19 engine fields is rejected (fix: v14 stores "undefined")', () => {
    const r = parseLogEventDatagram(malformed[0]!.datagram, opts);
    assert.deepEqual(r, { ok: false, reason: 'too_few_fields', source: 'qseow-engine' });
  });

  it('#2 a semicolon inside the engine message does not shift the following fields (fix)', () => {
    const event = parseOk(malformed[1]!.datagram);
    assert.equal(event.source, 'qseow-engine');
    const e = upstreamView(event);
    assert.equal(e.message, 'Semicolon; inside message');
    assert.equal(e.proxy_session_id, '6c0c8f27-8f61-4d7f-9d1e-2b7c1f5a9e10');
    assert.equal(e.user_directory, 'CORP');
    assert.equal(e.user_id, 'anna');
    assert.equal(e.user_full, 'CORP\\anna');
    assert.equal(e.engine_ts, 't');
    assert.equal(e.process_id, '0b6e5a3c-2d1f-4e8a-9c7b-5a4d3e2f1a0b');
    assert.equal(e.engine_exe_version, '14.187.4');
    assert.equal(e.server_started, 's');
    assert.equal(e.entry_type, 'Error');
    assert.equal(e.session_id, '4f9a1c2e-7b3d-4e5f-8a6b-1c2d3e4f5a6b');
    assert.equal(e.app_id, 'a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d');
    // Unchanged from upstream: row 0 is not a valid engine row number.
    assert.equal(e.log_row, malformed[1]!.parsedByUpstreamV14!.log_row);
  });

  it('#3 marker without slashes is rejected (as upstream)', () => {
    assert.deepEqual(parseLogEventDatagram(malformed[2]!.datagram, opts), {
      ok: false,
      reason: 'unknown_marker',
    });
  });

  it('#4 a user-event marker on the log port is rejected (as upstream)', () => {
    assert.deepEqual(parseLogEventDatagram(malformed[3]!.datagram, opts), {
      ok: false,
      reason: 'unknown_marker',
    });
  });

  it('#5 proxy datagram with 6 of 16 fields is rejected (fix: v14 stores "undefined")', () => {
    assert.equal(malformed[4]!.forwarded, true);
    assert.deepEqual(parseLogEventDatagram(malformed[4]!.datagram, opts), {
      ok: false,
      reason: 'too_few_fields',
      source: 'qseow-proxy',
    });
  });

  it('#6 scheduler datagram with 9 of 18 fields is rejected (fix)', () => {
    const r = parseLogEventDatagram(malformed[5]!.datagram, opts);
    assert.equal(r.ok, false);
    assert.equal(!r.ok && r.reason, 'too_few_fields');
  });

  it('#7 qix-perf with numbers in every field: upstream record exactly', () => {
    const event = parseOk(malformed[6]!.datagram);
    assert.deepEqual(upstreamView(event), malformed[6]!.parsedByUpstreamV14);
  });

  it('#8 qix-perf with 2 of 26 fields is rejected (fix: v14 stores NaN and "undefined")', () => {
    const r = parseLogEventDatagram(malformed[7]!.datagram, opts);
    assert.equal(!r.ok && r.reason, 'too_few_fields');
  });

  it('rejects the empty datagram', () => {
    assert.deepEqual(parseLogEventDatagram('', opts), { ok: false, reason: 'empty' });
  });

  it('does not treat prototype names as markers', () => {
    for (const m of ['__proto__', 'constructor', 'toString', 'hasOwnProperty']) {
      assert.deepEqual(parseLogEventDatagram(`${m};1;2`, opts), { ok: false, reason: 'unknown_marker' });
    }
  });
});

describe('log-event parser: field rules', () => {
  const engineFields = wellFormed[0]!.datagram.split(';');
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
    for (const bad of [
      '6C0C8F27-8F61-4D7F-9D1E-2B7C1F5A9E10',
      '{6c0c8f27-8f61-4d7f-9d1e-2b7c1f5a9e10}',
      '0',
      '',
    ]) {
      const e = parseOk(withField(engineFields, 9, bad)) as { proxy_session_id: string };
      assert.equal(e.proxy_session_id, '', bad);
    }
  });

  it('keeps the last GUID when the datagram ends in CR/LF (fix)', () => {
    const e = parseOk(`${wellFormed[0]!.datagram}\r\n`) as { app_id: string };
    assert.equal(e.app_id, 'a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d');
  });

  it('maps log4net "(null)" property values to "" (fix: v14 makes user_full "(null)\\(null)")', () => {
    const dg = withField(withField(engineFields, 10, '(null)'), 11, '(null)');
    const e = parseOk(dg);
    assert.equal(e.user_directory, '');
    assert.equal(e.user_full, '');
  });

  it('parses log_row leniently: 12abc → 12; engine 0 → -1, proxy keeps 0', () => {
    assert.equal(parseOk(withField(engineFields, 1, '12abc')).log_row, 12);
    assert.equal(parseOk(withField(engineFields, 1, '0')).log_row, -1);
    const proxyFields = wellFormed[3]!.datagram.split(';');
    assert.equal(parseOk(withField(proxyFields, 1, '0')).log_row, 0);
    assert.equal(parseOk(withField(proxyFields, 1, 'x')).log_row, -1);
  });

  it('rejects a ts_iso that is not a timestamp, and keeps the hyphenated form', () => {
    assert.equal(parseOk(withField(engineFields, 2, '2025-03-14 garbage')).ts_iso, '');
    assert.equal(
      parseOk(withField(engineFields, 2, '2025-03-14T10:21:00.000+0100')).ts_iso,
      '2025-03-14T10:21:00.000+0100',
    );
    assert.equal(
      parseOk(withField(engineFields, 2, '20250314T101512.345-0500')).ts_iso,
      '20250314T101512.345-0500',
    );
  });

  it('recovers a proxy message with semicolons when the exception is empty', () => {
    const f = wellFormed[3]!.datagram.split(';');
    const dg = [...f.slice(0, 8), 'part one', ' part two', ' part three', ...f.slice(9)].join(';');
    const e = parseOk(dg) as {
      message: string;
      exception_message: string;
      context: string;
      result_code: string;
    };
    assert.equal(e.message, 'part one; part two; part three');
    assert.equal(e.exception_message, '');
    assert.equal(e.result_code, '403');
    assert.equal(e.context, '/hub/');
  });

  it('splits message and exception at the exception type when both are present', () => {
    const f = wellFormed[4]!.datagram.split(';');
    const dg = [
      ...f.slice(0, 8),
      'Failed; really',
      'System.Net.WebException: bad; worse',
      ...f.slice(10),
    ].join(';');
    const e = parseOk(dg) as { message: string; exception_message: string; command: string };
    assert.equal(e.message, 'Failed; really');
    assert.equal(e.exception_message, 'System.Net.WebException: bad; worse');
    assert.equal(e.command, 'Route request');
  });

  it('qix-perf: unparsable times are null, bad request id −99, bad RAM −1, proxy session 0 → non-user', () => {
    const f = wellFormed[12]!.datagram.split(';');
    f[8] = '0';
    f[14] = '-3';
    f[16] = 'abc';
    f[23] = 'n/a';
    const e = parseOk(f.join(';'));
    assert.equal(e.source, 'qseow-qix-perf');
    if (e.source !== 'qseow-qix-perf') return;
    assert.equal(e.process_time, null);
    assert.equal(e.work_time, 228.9);
    assert.equal(e.request_id, -99);
    assert.equal(e.net_ram, -1);
    assert.equal(e.event_activity_source, 'non-user');
    assert.equal(e.proxy_session_id, '');
  });

  it('qix-perf: no app name without a lookup function', () => {
    const r = parseLogEventDatagram(wellFormed[12]!.datagram, { receivedAtMs: 1, timeNsOffset: 0 });
    assert.ok(r.ok && r.event.source === 'qseow-qix-perf');
    assert.equal(r.ok && r.event.source === 'qseow-qix-perf' && r.event.app_name, '');
    assert.deepEqual(r.ok && r.perf, {
      appId: 'a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d',
      appName: '',
      objectId: 'JxbPqK',
      objectType: 'barchart',
      method: 'GenericObject::GetLayout',
    });
  });
});
