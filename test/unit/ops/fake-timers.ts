/** A manual clock for schedule tests: time moves only when the test advances it. */
import type { Timers } from '../../../src/ops/timers.ts';

export interface FakeTimers extends Timers {
  /** Moves the clock forward, firing due timers in order. */
  advance(ms: number): void;
  /** Moves the clock to the next due timer and fires it; returns its time. */
  runNext(): number | undefined;
  pending(): number;
}

export function createFakeTimers(startMs: number): FakeTimers {
  let now = startMs;
  let seq = 0;
  const queue = new Map<number, { at: number; fn: () => void }>();
  const nextDue = () => {
    let best: [number, { at: number; fn: () => void }] | undefined;
    for (const entry of queue) if (!best || entry[1].at < best[1].at) best = entry;
    return best;
  };
  return {
    now: () => now,
    setTimeout(fn, ms) {
      const id = ++seq;
      queue.set(id, { at: now + Math.max(0, ms), fn });
      return id;
    },
    clearTimeout(handle) {
      queue.delete(handle as number);
    },
    advance(ms) {
      const end = now + ms;
      for (;;) {
        const due = nextDue();
        if (!due || due[1].at > end) break;
        queue.delete(due[0]);
        now = due[1].at;
        due[1].fn();
      }
      now = end;
    },
    runNext() {
      const due = nextDue();
      if (!due) return undefined;
      queue.delete(due[0]);
      now = due[1].at;
      due[1].fn();
      return now;
    },
    pending: () => queue.size,
  };
}
