import assert from 'node:assert/strict';
import { test } from 'node:test';
import { slotOf, startGridTimer } from '../../../src/ha/grid.ts';

test('slotOf: the last multiple of the interval at or before the time', () => {
  assert.equal(slotOf(30_000, 30_000), 30_000);
  assert.equal(slotOf(59_999, 30_000), 30_000);
  assert.equal(slotOf(60_000, 30_000), 60_000);
  assert.equal(slotOf(Date.UTC(2026, 0, 1, 12, 0, 44, 999), 15_000), Date.UTC(2026, 0, 1, 12, 0, 30));
});

test('the timer ticks on the grid, never before a slot has begun, each slot once', async () => {
  const interval = 50;
  const ticks: { slot: number; at: number }[] = [];
  const timer = startGridTimer(interval, (slot) => ticks.push({ slot, at: Date.now() }));
  await new Promise((resolve) => setTimeout(resolve, 8 * interval));
  timer.stop();
  const count = ticks.length;
  await new Promise((resolve) => setTimeout(resolve, 2 * interval));
  assert.equal(ticks.length, count, 'no tick after stop');
  assert.ok(ticks.length >= 3, `ticked ${ticks.length} times`);
  for (const { slot, at } of ticks) {
    assert.equal(slot % interval, 0);
    assert.ok(at >= slot, `tick of slot ${slot} ran at ${at}`);
  }
  const slots = ticks.map((t) => t.slot);
  assert.equal(new Set(slots).size, slots.length, 'no slot twice');
});

test('a timer that fires early by the wall clock waits for the rest of the slot', async () => {
  // A clock 30 ms behind the real one: every timer fires "early" for it.
  const lagging = () => Date.now() - 30;
  const ticks: { slot: number; at: number }[] = [];
  const timer = startGridTimer(100, (slot) => ticks.push({ slot, at: lagging() }), lagging);
  await new Promise((resolve) => setTimeout(resolve, 350));
  timer.stop();
  assert.ok(ticks.length >= 2);
  for (const { slot, at } of ticks) assert.ok(at >= slot, `tick of slot ${slot} ran at ${at} by its clock`);
});
