import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createRecordingLogger } from '../../../src/logging/logger.ts';
import { createScheduler } from '../../../src/sources/scheduler.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('scheduler', () => {
  it('runs each job at start and then every interval', async () => {
    const scheduler = createScheduler({ log: createRecordingLogger() });
    let runs = 0;
    scheduler.add({ key: 'a', intervalMs: 40, run: async () => void runs++ });
    scheduler.start();
    await sleep(10);
    assert.equal(runs, 1, 'polled once at start');
    await sleep(100);
    await scheduler.stop();
    assert.ok(runs >= 3 && runs <= 4, `runs=${runs}`);
    const after = runs;
    await sleep(60);
    assert.equal(runs, after, 'no runs after stop');
  });

  it('can wait one interval first, as upstream', async () => {
    const scheduler = createScheduler({ log: createRecordingLogger(), runAtStart: false });
    let runs = 0;
    scheduler.add({ key: 'a', intervalMs: 50, run: async () => void runs++ });
    scheduler.start();
    await sleep(20);
    assert.equal(runs, 0);
    await sleep(50);
    await scheduler.stop();
    assert.equal(runs, 1);
  });

  it('never overlaps runs of one job: skips and counts the tick, warns once per streak', async () => {
    const log = createRecordingLogger();
    const scheduler = createScheduler({ log });
    let concurrent = 0;
    let maxConcurrent = 0;
    scheduler.add({
      key: 'slow',
      intervalMs: 20,
      run: async () => {
        concurrent++;
        maxConcurrent = Math.max(maxConcurrent, concurrent);
        await sleep(90);
        concurrent--;
      },
    });
    scheduler.start();
    await sleep(150);
    await scheduler.stop();
    const stats = scheduler.stats().slow;
    assert.equal(maxConcurrent, 1);
    assert.ok((stats?.skippedTicks ?? 0) >= 4, `skipped=${stats?.skippedTicks}`);
    const warnings = log.lines.filter((l) => l.level === 'warn').length;
    assert.ok(warnings >= 1 && warnings <= 2, `warnings=${warnings}`);
  });

  it('a slow job does not delay another', async () => {
    const scheduler = createScheduler({ log: createRecordingLogger() });
    let fast = 0;
    scheduler.add({ key: 'dead', intervalMs: 20, run: () => new Promise(() => {}) });
    scheduler.add({ key: 'fast', intervalMs: 20, run: async () => void fast++ });
    scheduler.start();
    await sleep(110);
    await scheduler.stop(10);
    assert.ok(fast >= 4, `fast=${fast}`);
  });

  it('logs a throwing job and keeps its schedule', async () => {
    const log = createRecordingLogger();
    const scheduler = createScheduler({ log });
    let runs = 0;
    scheduler.add({
      key: 'bad',
      intervalMs: 20,
      run: () => {
        runs++;
        throw new Error('bug');
      },
    });
    scheduler.start();
    await sleep(70);
    await scheduler.stop();
    assert.ok(runs >= 2);
    assert.equal(scheduler.stats().bad?.crashed, runs);
    assert.ok(log.lines.some((l) => l.level === 'error' && l.message.includes('bug')));
  });

  it('rejects duplicate keys and bad intervals', () => {
    const scheduler = createScheduler({ log: createRecordingLogger() });
    scheduler.add({ key: 'a', intervalMs: 10, run: async () => {} });
    assert.throws(() => scheduler.add({ key: 'a', intervalMs: 10, run: async () => {} }), /already exists/);
    assert.throws(() => scheduler.add({ key: 'b', intervalMs: 0, run: async () => {} }), /positive/);
  });
});
