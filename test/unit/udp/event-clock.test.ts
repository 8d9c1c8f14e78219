import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createEventClock } from '../../../src/udp/event-clock.ts';

const key = (s: { timeMs: number; timeNsOffset: number }) => s.timeMs * 1_000_000 + s.timeNsOffset;

describe('event clock', () => {
  it('numbers events within a millisecond and restarts at the next one', () => {
    let now = 1000;
    const c = createEventClock(() => now);
    assert.deepEqual(
      [c.next(), c.next()],
      [
        { timeMs: 1000, timeNsOffset: 0 },
        { timeMs: 1000, timeNsOffset: 1 },
      ],
    );
    now = 1001;
    assert.deepEqual(c.next(), { timeMs: 1001, timeNsOffset: 0 });
  });

  it('stays strictly increasing when the wall clock steps back or a millisecond overflows', () => {
    let now = 5000;
    const c = createEventClock(() => now);
    let last = key(c.next());
    now = 4000;
    for (let i = 0; i < 1_000_010; i++) {
      const k = key(c.next());
      assert.ok(k > last);
      last = k;
    }
    assert.equal(Math.floor(last / 1_000_000), 5001, 'borrowed the next millisecond');
  });
});
