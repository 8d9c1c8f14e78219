import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseTextSchedule, runSchedule, scheduleIntervalMs } from '../../../src/ops/schedule.ts';
import { createFakeTimers } from './fake-timers.ts';

const at = (iso: string) => Date.parse(iso);
const iso = (ms: number) => new Date(ms).toISOString();

test('schedules of docs/reference/runtime.md#schedule-syntax fire at the listed UTC times', () => {
  const start = at('2026-01-01T10:07:13.000Z');
  const cases: [string, string[]][] = [
    ['every 1 hour', ['2026-01-01T11:00:00.000Z', '2026-01-01T12:00:00.000Z']],
    ['every 2 hours', ['2026-01-01T12:00:00.000Z', '2026-01-01T14:00:00.000Z']],
    ['every 15 minutes', ['2026-01-01T10:15:00.000Z', '2026-01-01T10:30:00.000Z']],
    ['every 30 seconds', ['2026-01-01T10:07:30.000Z', '2026-01-01T10:08:00.000Z']],
    ['every 90 seconds', ['2026-01-01T10:08:00.000Z', '2026-01-01T10:09:00.000Z']],
    ['at 10:15 am', ['2026-01-01T10:15:00.000Z', '2026-01-02T10:15:00.000Z']],
  ];
  for (const [text, expected] of cases) {
    const timers = createFakeTimers(start);
    const fired: string[] = [];
    const running = runSchedule(parseTextSchedule(text), () => fired.push(iso(timers.now())), timers);
    timers.runNext();
    timers.runNext();
    running.stop();
    assert.deepEqual(fired, expected, text);
  }
});

test('an unparseable schedule is rejected with the key path', () => {
  assert.throws(
    () => parseTextSchedule('bogus', 'heartbeat.frequency'),
    /heartbeat\.frequency: cannot understand the schedule "bogus"/,
  );
  assert.throws(() => parseTextSchedule('', 'uptimeMonitor.frequency'), /uptimeMonitor\.frequency/);
});

test('interval is the gap between the 3rd and 4th upcoming occurrence', () => {
  const s = parseTextSchedule('every 15 minutes');
  assert.equal(scheduleIntervalMs(s, at('2026-01-01T10:07:13Z')), 15 * 60_000);
});

test('a throwing tick does not stop the schedule, and stop() does', () => {
  const timers = createFakeTimers(at('2026-01-01T00:00:00.500Z'));
  const errors: unknown[] = [];
  let calls = 0;
  const running = runSchedule(
    parseTextSchedule('every 30 seconds'),
    () => {
      calls++;
      throw new Error('tick failed');
    },
    timers,
    (e) => errors.push(e),
  );
  timers.advance(95_000);
  assert.equal(calls, 3);
  assert.equal(errors.length, 3);
  running.stop();
  timers.advance(60_000);
  assert.equal(calls, 3);
  assert.equal(timers.pending(), 0);
});
