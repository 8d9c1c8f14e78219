import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  encodeFieldValue,
  encodeLine,
  encodeLines,
  escapeKey,
  escapeMeasurement,
  escapeStringField,
  nowNs,
  timestampNs,
} from '../../../../src/destinations/influxdb/line-protocol.ts';
import type { InfluxPoint } from '../../../../src/mapping/shapes.ts';
import { parseBody, parsePoint } from '../../../support/fake-influxdb.ts';

const T = 1_700_000_000_123; // a ms timestamp
const point = (p: Partial<InfluxPoint>): InfluxPoint => ({
  measurement: 'm',
  tags: {},
  fields: { v: { type: 'float', value: 1 } },
  timeMs: T,
  ...p,
});

describe('escaping', () => {
  it('escapes comma and space in measurements but not equals signs', () => {
    assert.equal(escapeMeasurement('a b,c=d'), 'a\\ b\\,c=d');
    assert.equal(escapeMeasurement('log_event'), 'log_event');
  });
  it('escapes comma, equals and space in keys and tag values', () => {
    assert.equal(escapeKey('Central node'), 'Central\\ node');
    assert.equal(escapeKey('a=b,c'), 'a\\=b\\,c');
  });
  it('keeps inner backslashes but doubles one that would escape a delimiter', () => {
    assert.equal(escapeKey('CORP\\jdoe'), 'CORP\\jdoe');
    assert.equal(escapeKey('ends\\'), 'ends\\\\');
    assert.equal(escapeKey('a\\ b'), 'a\\\\\\ b');
  });
  it('writes newlines in keys as \\n so they never end the line', () => {
    assert.equal(escapeKey('a\nb\rc'), 'a\\nb\\rc');
    assert.equal(escapeMeasurement('x\ny'), 'x\\ny');
  });
  it('escapes double quotes and backslashes in string fields', () => {
    assert.equal(escapeStringField('say "hi" C:\\x'), 'say \\"hi\\" C:\\\\x');
    assert.equal(escapeStringField('plain'), 'plain');
  });
});

describe('field values', () => {
  it('encodes every type with its suffix', () => {
    assert.equal(encodeFieldValue({ type: 'integer', value: 42 }), '42i');
    assert.equal(encodeFieldValue({ type: 'integer', value: -7 }), '-7i');
    assert.equal(encodeFieldValue({ type: 'uint', value: 42 }), '42u');
    assert.equal(encodeFieldValue({ type: 'float', value: 3.5 }), '3.5');
    assert.equal(encodeFieldValue({ type: 'float', value: 3 }), '3');
    assert.equal(encodeFieldValue({ type: 'string', value: 'x' }), '"x"');
    assert.equal(encodeFieldValue({ type: 'boolean', value: true }), 'true');
    assert.equal(encodeFieldValue({ type: 'boolean', value: false }), 'false');
  });
  it('floors non-integer integers (v1 schema behaviour) and stringifies non-strings', () => {
    assert.equal(encodeFieldValue({ type: 'integer', value: 2345.67 }), '2345i');
    assert.equal(encodeFieldValue({ type: 'string', value: 5 }), '"5"');
  });
  it('skips values that cannot be written', () => {
    assert.equal(encodeFieldValue({ type: 'float', value: Number.NaN }), undefined);
    assert.equal(encodeFieldValue({ type: 'float', value: Number.POSITIVE_INFINITY }), undefined);
    assert.equal(encodeFieldValue({ type: 'integer', value: Number.NaN }), undefined);
    assert.equal(encodeFieldValue({ type: 'integer', value: 2 ** 63 }), undefined);
    assert.equal(encodeFieldValue({ type: 'uint', value: -1 }), undefined);
    assert.equal(encodeFieldValue({ type: 'boolean', value: 'maybe' }), undefined);
  });
  it('writes large integers without exponent notation', () => {
    assert.equal(encodeFieldValue({ type: 'integer', value: 2 ** 62 }), '4611686018427387904i');
    assert.equal(encodeFieldValue({ type: 'uint', value: 2 ** 63 }), '9223372036854775808u');
  });
});

describe('timestamps', () => {
  it('builds exact nanoseconds from ms and ns offset', () => {
    assert.equal(timestampNs(T), '1700000000123000000');
    assert.equal(timestampNs(T, 999_999), '1700000000123999999');
    assert.equal(timestampNs(T, 42), '1700000000123000042');
    assert.equal(BigInt(timestampNs(T, 42)), BigInt(T) * 1_000_000n + 42n);
  });
  it('folds fractional ms into ns and carries over', () => {
    assert.equal(timestampNs(T + 0.5), '1700000000123500000');
    assert.equal(timestampNs(T + 0.5, 600_000), '1700000000124100000');
    assert.equal(timestampNs(0, 5), '5');
  });
  it('gives every point without a time its own "now" nanosecond', () => {
    const before = BigInt(Date.now()) * 1_000_000n;
    const stamps = Array.from({ length: 5000 }, () => BigInt(nowNs()));
    const after = BigInt(Date.now() + 1) * 1_000_000n;
    assert.equal(new Set(stamps).size, stamps.length);
    for (let i = 1; i < stamps.length; i++) assert.ok(stamps[i]! > stamps[i - 1]!);
    assert.ok(stamps[0]! >= before && stamps.at(-1)! < after + 5000n);
  });
});

describe('encodeLine', () => {
  it('encodes the v1 example line of the reference exactly', () => {
    const line = encodeLine({
      measurement: 'mem',
      tags: {
        host: 'sense1.corp.local',
        server_name: 'sense1',
        server_description: 'Central node',
        server_group: 'PROD',
      },
      fields: {
        allocated: { type: 'integer', value: 3456.78 },
        comitted: { type: 'integer', value: 2345.67 },
        free: { type: 'integer', value: 12345.6 },
      },
      timeMs: T,
    });
    assert.equal(
      line,
      'mem,host=sense1.corp.local,server_name=sense1,server_description=Central\\ node,server_group=PROD allocated=3456i,comitted=2345i,free=12345i 1700000000123000000',
    );
  });
  it('omits empty and undefined tags and keeps tag order as given', () => {
    const line = encodeLine(point({ tags: { z: 'last', empty: '', gone: undefined, a: 'first' } }));
    assert.equal(line, 'm,z=last,a=first v=1 1700000000123000000');
    assert.ok(!line.includes('='.repeat(2)) && !/,\w+= /.test(line));
  });
  it('skips non-finite fields but keeps the rest', () => {
    const line = encodeLine(
      point({ fields: { a: { type: 'float', value: Number.NaN }, b: { type: 'integer', value: 2 } } }),
    );
    assert.equal(line, 'm b=2i 1700000000123000000');
  });
  it('returns an empty string for a point with no writable field', () => {
    assert.equal(encodeLine(point({ fields: { a: { type: 'float', value: Number.NaN } } })), '');
    assert.deepEqual(encodeLines([point({ fields: {} }), point({})]), ['m v=1 1700000000123000000']);
  });
  it('round-trips awkward names and values through a strict parser', () => {
    const raw = JSON.stringify({ message: 'He said "no"', path: 'C:\\temp\\x' });
    const input = point({
      measurement: 'log event,x',
      tags: { 'user full': 'CORP\\jdoe', 'a=b': 'c,d e', trailing: 'x\\' },
      fields: {
        raw_event: { type: 'string', value: raw },
        'field key': { type: 'string', value: 'line1\nline2' },
        handle: { type: 'integer', value: 5 },
        calls: { type: 'uint', value: 1234 },
        work_time: { type: 'float', value: 11.25 },
        saturated: { type: 'boolean', value: false },
      },
      timeNsOffset: 7,
    });
    const parsed = parsePoint(encodeLine(input));
    assert.equal(parsed.measurement, 'log event,x');
    assert.deepEqual(parsed.tags, { 'user full': 'CORP\\jdoe', 'a=b': 'c,d e', trailing: 'x\\\\' });
    assert.deepEqual(parsed.fields, {
      raw_event: { type: 'string', value: raw },
      'field key': { type: 'string', value: 'line1\nline2' },
      handle: { type: 'integer', value: 5n },
      calls: { type: 'uint', value: 1234n },
      work_time: { type: 'float', value: 11.25 },
      saturated: { type: 'boolean', value: false },
    });
    assert.equal(parsed.timestamp, '1700000000123000007');
  });
  it('keeps multi-line string fields parseable inside a multi-point body', () => {
    const lines = [
      encodeLine(point({ fields: { msg: { type: 'string', value: 'a\nb\nc' } } })),
      encodeLine(point({ measurement: 'second' })),
    ];
    const { lines: parsed, errors } = parseBody(lines.join('\n'));
    assert.deepEqual(errors, []);
    assert.deepEqual(
      parsed.map((p) => [p.point.measurement, p.lineNumber]),
      [
        ['m', 1],
        ['second', 4],
      ],
    );
  });
  it('gives points without a time distinct "now" timestamps', () => {
    const a = encodeLine(point({ timeMs: undefined }));
    const b = encodeLine(point({ timeMs: undefined }));
    assert.notEqual(a.split(' ')[2], b.split(' ')[2]);
    assert.match(a, /^m v=1 \d{19}$/);
  });
});
