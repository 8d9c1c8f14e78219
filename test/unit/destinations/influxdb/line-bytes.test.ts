import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  asText,
  LineSlab,
  lineBody,
  lineBodyParts,
  lineSpoolCodec,
} from '../../../../src/destinations/influxdb/line-bytes.ts';
import { encodeLine } from '../../../../src/destinations/influxdb/line-protocol.ts';
import { JsonStringField, jsonText } from '../../../../src/mapping/json-field.ts';
import type { InfluxField, InfluxPoint } from '../../../../src/mapping/shapes.ts';
import { parseBody } from '../../../support/fake-influxdb.ts';

const T = 1_700_000_000_123;

/** Characters that escaping, UTF-8 or both must get right, and plain ones. */
const ALPHABET = [
  'a',
  'Z',
  '0',
  ' ',
  ',',
  '=',
  '"',
  '\\',
  '\n',
  '\r',
  '\t',
  'é',
  'ß',
  '€',
  '中',
  '😀',
  '\ud800', // lone high surrogate
  '\udc00', // lone low surrogate
  '\u007f',
  '\u0080',
  '\u07ff',
  '\u0800',
  '\uffff',
];

/** A deterministic pseudo-random source (the same cases in every run). */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

function text(next: () => number, max: number): string {
  let out = '';
  const length = Math.floor(next() * max);
  for (let i = 0; i < length; i++) out += ALPHABET[Math.floor(next() * ALPHABET.length)];
  return out;
}

function field(next: () => number): InfluxField {
  const pick = Math.floor(next() * 6);
  if (pick === 0) return { type: 'string', value: text(next, 30) };
  if (pick === 1) return { type: 'float', value: (next() - 0.5) * 1e6 };
  if (pick === 2) return { type: 'integer', value: Math.floor((next() - 0.5) * 1e9) };
  if (pick === 3) return { type: 'uint', value: Math.floor(next() * 1e9) };
  if (pick === 4) return { type: 'boolean', value: next() < 0.5 };
  return { type: 'float', value: Number.NaN };
}

function randomPoint(next: () => number): InfluxPoint {
  const tags: Record<string, string | undefined> = {};
  const fields: Record<string, InfluxField> = {};
  for (let i = Math.floor(next() * 6); i > 0; i--) tags[text(next, 8)] = next() < 0.2 ? '' : text(next, 12);
  for (let i = Math.floor(next() * 5); i > 0; i--) fields[text(next, 8)] = field(next);
  return {
    measurement: text(next, 10) || 'm',
    tags,
    fields,
    timeMs: T + Math.floor(next() * 1000),
    timeNsOffset: Math.floor(next() * 999_999),
  };
}

describe('LineSlab.encode', () => {
  it('writes exactly the UTF-8 bytes of encodeLine for 20,000 random points', () => {
    const next = random(42);
    const slab = new LineSlab();
    let skipped = 0;
    for (let i = 0; i < 20_000; i++) {
      const point = randomPoint(next);
      const expected = encodeLine(point);
      const bytes = slab.encode(point);
      if (expected === '') {
        assert.equal(bytes, undefined, `point ${i} should be left out`);
        skipped++;
        continue;
      }
      assert.ok(bytes, `point ${i} was left out`);
      assert.deepEqual(Buffer.from(bytes), Buffer.from(expected, 'utf8'), `point ${i}: ${expected}`);
    }
    assert.ok(skipped > 0 && skipped < 20_000, 'both kinds of points were tried');
  });

  it('keeps every line whole across slabs, and a batch in one slab is one view', () => {
    const slab = new LineSlab();
    const big = 'x'.repeat(300_000);
    const points: InfluxPoint[] = Array.from({ length: 20 }, (_, i) => ({
      measurement: 'm',
      tags: { n: String(i) },
      fields: { big: { type: 'string', value: big } },
      timeMs: T,
    }));
    const lines = points.map((p) => slab.encode(p)!);
    for (const [i, line] of lines.entries()) assert.equal(asText(line), encodeLine(points[i]!));
    const slabs = new Set(lines.map((line) => line.buffer));
    assert.ok(slabs.size > 1, 'the lines needed more than one slab');
    const body = lineBody(lines).toString('utf8');
    assert.equal(body, points.map(encodeLine).join('\n'));

    const small = Array.from({ length: 100 }, (_, i) =>
      slab.encode({ measurement: 'm', tags: {}, fields: { v: { type: 'integer', value: i } }, timeMs: T }),
    ) as Buffer[];
    const sameSlab = small.filter((line) => line.buffer === small[0]!.buffer);
    const view = lineBody(sameSlab);
    assert.equal(view.buffer, sameSlab[0]!.buffer, 'adjacent lines are sent without a copy');
    assert.equal(view.toString('utf8').split('\n').length, sameSlab.length);
  });
});

/** A JSON member value of any kind a record or tag list can hold. */
function jsonMember(next: () => number): unknown {
  const pick = Math.floor(next() * 9);
  if (pick <= 2) return text(next, 40);
  if (pick === 3) return Math.floor((next() - 0.5) * 1e6) / 7;
  if (pick === 4) return [Number.NaN, Number.POSITIVE_INFINITY, -0, 0][Math.floor(next() * 4)];
  if (pick === 5) return next() < 0.5 ? null : undefined;
  if (pick === 6) return next() < 0.5;
  if (pick === 7) return [{ name: text(next, 5), value: text(next, 5) }];
  return { [text(next, 4)]: text(next, 6) };
}

describe('LineSlab.encode of JSON fields (raw_event)', () => {
  it('writes the same bytes as quoting the JSON text, for 5,000 random objects', () => {
    const next = random(7);
    const slab = new LineSlab();
    for (let i = 0; i < 5000; i++) {
      const object: Record<string, unknown> = {};
      const keys: string[] = [];
      for (let k = Math.floor(next() * 8); k > 0; k--) {
        const key = next() < 0.8 ? `member_${k}` : text(next, 6);
        keys.push(key);
        object[key] = jsonMember(next);
      }
      const tail = next() < 0.5 ? '' : `,"tags":${JSON.stringify({ env: text(next, 10) })}`;
      const point: InfluxPoint = {
        measurement: 'log_event',
        tags: { host: 'h' },
        fields: { raw_event: new JsonStringField({ object, keys, tail }) },
        timeMs: T,
      };
      const bytes = slab.encode(point)!;
      assert.deepEqual(Buffer.from(bytes), Buffer.from(encodeLine(point), 'utf8'), `object ${i}`);
    }
  });
  it('is the JSON upstream writes: JSON.stringify of the members in order, then the tail', () => {
    const object = { source: 'qseow-engine', log_row: 3, message: 'a "q" \\ é\n', extra: 'left out' };
    const text = jsonText({ object, keys: ['source', 'log_row', 'message'], tail: ',"tags":{"a":"b"}' });
    assert.equal(
      text,
      JSON.stringify({ source: 'qseow-engine', log_row: 3, message: 'a "q" \\ é\n', tags: { a: 'b' } }),
    );
    assert.equal(new JsonStringField({ object, keys: ['log_row'], tail: '' }).value, '{"log_row":3}');
  });
});

describe('lineBody', () => {
  it('joins lines of any origin with newlines and leaves empty ones out', () => {
    const slab = new LineSlab();
    const a = slab.put('a v=1 1');
    const b = slab.put('b v=2 2');
    const body = lineBody(['x v=0 0', a, '', b, Buffer.from('c v=3 3')]);
    assert.equal(body.toString('utf8'), 'x v=0 0\na v=1 1\nb v=2 2\nc v=3 3');
    const { lines, errors } = parseBody(body.toString('utf8'));
    assert.deepEqual(errors, []);
    assert.equal(lines.length, 4);
  });
  it('is empty for no lines', () => {
    assert.equal(lineBody([]).length, 0);
    assert.equal(lineBody(['']).length, 0);
  });
});

describe('lineBodyParts', () => {
  it('sends lines encoded in a row as views on their slabs: one run per slab, no copy', () => {
    const slab = new LineSlab({ slabBytes: 4096 });
    const lines = Array.from({ length: 12 }, (_, i) => slab.put(`m v=${i}i ${'x'.repeat(500)}`));
    const parts = lineBodyParts(lines);
    const runs = parts.filter((part) => part.length > 1);
    assert.ok(runs.length >= 2, 'the lines span more than one slab');
    assert.equal(runs.length, new Set(lines.map((line) => (line as Buffer).buffer)).size);
    for (const run of runs) assert.ok(lines.some((line) => (line as Buffer).buffer === run.buffer));
    assert.equal(Buffer.concat(parts).toString('utf8'), lines.map(asText).join('\n'));
  });
});

describe('lineSpoolCodec', () => {
  it('stores the bytes as they are and reads them back', () => {
    const line = Buffer.from('log_event,host=a message="x é" 1', 'utf8');
    const stored = Buffer.from(lineSpoolCodec(new LineSlab()).encode(line));
    assert.deepEqual(stored, line);
    const back = lineSpoolCodec(new LineSlab()).decode(stored);
    stored.fill(0); // the spool reuses its read buffer: the item must be a copy
    assert.equal(asText(back), 'log_event,host=a message="x é" 1');
  });
  it('reads lines spooled as JSON strings by earlier versions', () => {
    const old = Buffer.from(JSON.stringify('log_event,host=a message="q \\"x\\"" 1'), 'utf8');
    assert.equal(
      asText(lineSpoolCodec(new LineSlab()).decode(old)),
      'log_event,host=a message="q \\"x\\"" 1',
    );
  });
});
