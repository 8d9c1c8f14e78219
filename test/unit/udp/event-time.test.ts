import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { LogEventRecord } from '../../../src/records/log-event.ts';
import type { UserEventRecord } from '../../../src/records/user-event.ts';
import { createHaEventTimer, parseSenseIsoTime } from '../../../src/udp/event-time.ts';

function logEvent(row: number, tsIso: string, extra: Partial<LogEventRecord> = {}): LogEventRecord {
  return {
    kind: 'log-event',
    source: 'qseow-engine',
    host: 'sense1',
    log_row: row,
    ts_iso: tsIso,
    receivedAtMs: 1,
    timeNsOffset: 0,
    ...extra,
  } as LogEventRecord;
}

function userEvent(receivedAtMs: number, message: string): UserEventRecord {
  return {
    kind: 'user-event',
    messageType: 'qseow-proxy-session',
    host: 'sense1',
    command: 'Start session',
    user_directory: 'LAB',
    user_id: 'anna',
    origin: 'AppAccess',
    context: '/hub/',
    message,
    user_full: 'LAB\\anna',
    receivedAtMs,
    timeNsOffset: 0,
  };
}

const TS = '20260203T091544.207+0100';
const TS_MS = Date.UTC(2026, 1, 3, 8, 15, 44, 207);

describe('HA event times', () => {
  test("Sense's compact ISO time with its UTC offset", () => {
    assert.equal(parseSenseIsoTime(TS), TS_MS);
    assert.equal(parseSenseIsoTime('20260203T091544.207-0530'), Date.UTC(2026, 1, 3, 14, 45, 44, 207));
    assert.equal(parseSenseIsoTime(''), undefined);
    assert.equal(parseSenseIsoTime('2026-02-03 09:15:44,207'), undefined);
  });

  test('a log event is timed by its own time plus an offset from its row and source', () => {
    const timer = createHaEventTimer({ userEventWindowMs: 1000 });
    const engine = logEvent(1234, TS);
    const proxy = logEvent(1234, TS, { source: 'qseow-proxy' });
    timer.timeLogEvent(engine);
    timer.timeLogEvent(proxy);
    assert.deepEqual([engine.receivedAtMs, engine.timeNsOffset], [TS_MS, 123_400]);
    assert.deepEqual([proxy.receivedAtMs, proxy.timeNsOffset], [TS_MS, 123_420]);
  });

  test('two agents seeing the same events give them the same times', () => {
    const a = createHaEventTimer({ userEventWindowMs: 1000 });
    const b = createHaEventTimer({ userEventWindowMs: 1000 });
    const events = Array.from({ length: 500 }, (_, i) => logEvent((i % 300) + 1, TS));
    const stamp = (timer: typeof a) =>
      events.map((e) => {
        const copy = { ...e };
        timer.timeLogEvent(copy);
        return `${copy.receivedAtMs}.${copy.timeNsOffset}`;
      });
    assert.deepEqual(stamp(a), stamp(b));
  });

  test('10,000 events in one millisecond from one appender keep 10,000 distinct times, repeats included', () => {
    const timer = createHaEventTimer({ userEventWindowMs: 1000 });
    const stamps = new Set<string>();
    // Rows 1..9999 in the same ms, plus a datagram repeated with a row already used.
    for (let row = 1; row <= 9999; row++) {
      const e = logEvent(row, TS);
      timer.timeLogEvent(e);
      stamps.add(`${e.receivedAtMs}.${e.timeNsOffset}`);
    }
    const repeat = logEvent(42, TS);
    timer.timeLogEvent(repeat);
    stamps.add(`${repeat.receivedAtMs}.${repeat.timeNsOffset}`);
    assert.equal(stamps.size, 10_000);
    for (const s of stamps) assert.ok(Number(s.split('.')[1]) < 1_000_000);
  });

  test('an event without a readable time keeps its receive stamp', () => {
    const timer = createHaEventTimer({ userEventWindowMs: 1000 });
    const e = logEvent(5, '', { receivedAtMs: 777, timeNsOffset: 3 });
    timer.timeLogEvent(e);
    assert.deepEqual([e.receivedAtMs, e.timeNsOffset], [777, 3]);
  });

  test('user events are timed to their window; distinct events in one window keep distinct offsets', () => {
    const timer = createHaEventTimer({ userEventWindowMs: 1000 });
    const stamps = new Set<string>();
    for (let i = 0; i < 5000; i++) {
      const e = userEvent(10_000 + (i % 997), i % 3 === 0 ? 'same message' : `message ${i}`);
      timer.timeUserEvent(e);
      assert.equal(e.receivedAtMs, 10_000);
      stamps.add(`${e.receivedAtMs}.${e.timeNsOffset}`);
    }
    assert.equal(stamps.size, 5000);
  });

  test('two agents agree on a user event received at different moments of the same window', () => {
    const a = createHaEventTimer({ userEventWindowMs: 1000 });
    const b = createHaEventTimer({ userEventWindowMs: 1000 });
    const ea = userEvent(20_100, 'Start session for user LAB\\anna');
    const eb = userEvent(20_102, 'Start session for user LAB\\anna');
    a.timeUserEvent(ea);
    b.timeUserEvent(eb);
    assert.deepEqual([ea.receivedAtMs, ea.timeNsOffset], [eb.receivedAtMs, eb.timeNsOffset]);
  });
});
