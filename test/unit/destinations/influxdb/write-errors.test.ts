import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { durationSeconds, isInfluxDuration } from '../../../../src/destinations/influxdb/duration.ts';
import {
  classifyStatus,
  errorBodyMessage,
  findBadLines,
} from '../../../../src/destinations/influxdb/write-errors.ts';

const lines = ['m a=1 1', 'm b="x\ny" 2', 'bad line', 'm c=3 4'];

describe('findBadLines', () => {
  it('matches 1.x / 2.x OSS "unable to parse" phrases to the exact lines', () => {
    const v1 = JSON.stringify({
      error: "partial write: unable to parse 'bad line': missing fields dropped=0",
    });
    assert.deepEqual(findBadLines(lines, v1), [2]);
    const v2 = JSON.stringify({ code: 'invalid', message: "unable to parse 'bad line': missing fields" });
    assert.deepEqual(findBadLines(lines, v2), [2]);
  });
  it('maps a reported physical line number to its line, across multi-line string fields', () => {
    // Line 'bad line' starts on physical line 4: line 2 spans physical lines 2 and 3.
    assert.deepEqual(findBadLines(lines, JSON.stringify({ code: 'invalid', line: 4, message: 'x' })), [2]);
    const v3 = JSON.stringify({
      error: 'parsing failed for write_lp endpoint',
      data: { original_line: 'bad line', line_number: 4, error_message: 'no fields' },
    });
    assert.deepEqual(findBadLines(lines, v3), [2]);
    const partial = JSON.stringify({
      error: 'partial write of line protocol occurred',
      data: [
        { line_number: 1, error_message: 'a' },
        { line_number: 5, error_message: 'b' },
      ],
    });
    assert.deepEqual(findBadLines(lines, partial), [0, 3]);
  });
  it('reads "error parsing line N" from a message and ignores numbers out of range', () => {
    const body = JSON.stringify({
      code: 'invalid',
      message:
        'errors encountered on line(s):\nerror parsing line 5 (1-based): x\nerror parsing line 99 (1-based): y',
    });
    assert.deepEqual(findBadLines(lines, body), [3]);
  });
  it('returns nothing when the body names no line', () => {
    assert.deepEqual(findBadLines(lines, '{"error":"field type conflict"}'), []);
    assert.deepEqual(findBadLines(lines, '<html>bad gateway</html>'), []);
  });
});

describe('classifyStatus and messages', () => {
  it('retries server-side and settings problems, rejects content problems', () => {
    for (const s of [500, 502, 503, 504, 429, 408, 401, 403, 404])
      assert.equal(classifyStatus(s), 'retryable', `${s}`);
    for (const s of [400, 413, 422]) assert.equal(classifyStatus(s), 'rejected', `${s}`);
  });
  it('extracts the message of each body format', () => {
    assert.equal(errorBodyMessage('{"error":"database not found: \\"x\\""}'), 'database not found: "x"');
    assert.equal(errorBodyMessage('{"code":"invalid","message":"bad"}'), 'bad');
    assert.equal(
      errorBodyMessage('{"error":"parsing failed","data":{"line_number":2,"error_message":"no fields"}}'),
      'parsing failed: line 2: no fields',
    );
    assert.equal(errorBodyMessage(' plain text '), 'plain text');
  });
});

describe('durations', () => {
  it('parses InfluxDB durations to seconds', () => {
    assert.equal(durationSeconds('10d'), 864_000);
    assert.equal(durationSeconds('1h30m'), 5400);
    assert.equal(durationSeconds('2w'), 1_209_600);
    assert.equal(durationSeconds('INF'), 0);
    assert.equal(durationSeconds('0'), 0);
    assert.equal(durationSeconds('10 days'), undefined);
    assert.equal(durationSeconds('10d; DROP DATABASE x'), undefined);
  });
  it('accepts only InfluxQL duration literals', () => {
    assert.ok(isInfluxDuration('10d'));
    assert.ok(isInfluxDuration('inf'));
    assert.ok(!isInfluxDuration('10d DEFAULT; DROP'));
    assert.ok(!isInfluxDuration(''));
  });
});
