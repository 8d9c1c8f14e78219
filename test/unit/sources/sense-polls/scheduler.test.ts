import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { createRecordingLogger } from '../../../../src/logging/logger.ts';
import { createScheduler } from '../../../../src/sources/sense-polls/scheduler.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A scheduler that is stopped even when an assertion fails, so no interval outlives its test. */
function schedulerFor(t: TestContext, options: Parameters<typeof createScheduler>[0]) {
  const scheduler = createScheduler(options);
  t.after(() => scheduler.stop(10));
  return scheduler;
}

/** Waits until `condition` holds (bounded), so the assertions do not depend on exact timer timing. */
async function until(condition: () => boolean, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition() && Date.now() < deadline) await sleep(5);
}

describe('scheduler', () => {
  it('runs each job at start and then every interval', async (t) => {
    const scheduler = schedulerFor(t, { log: createRecordingLogger() });
    let runs = 0;
    scheduler.add({ key: 'a', intervalMs: 200, run: async () => void runs++ });
    scheduler.start();
    await until(() => runs >= 1, 150);
    assert.equal(runs, 1, 'polled once at start, before the first interval');
    await until(() => runs >= 3);
    await scheduler.stop();
    assert.ok(runs >= 3, `runs=${runs}`);
    const after = runs;
    await sleep(60);
    assert.equal(runs, after, 'no runs after stop');
  });

  it('can wait one interval first, as upstream', async (t) => {
    const scheduler = schedulerFor(t, { log: createRecordingLogger(), runAtStart: false });
    let runs = 0;
    const startedAt = Date.now();
    let firstRunAt = 0;
    scheduler.add({
      key: 'a',
      intervalMs: 100,
      run: async () => {
        runs++;
        firstRunAt ||= Date.now();
      },
    });
    scheduler.start();
    await until(() => runs >= 1);
    await scheduler.stop();
    assert.ok(firstRunAt - startedAt >= 95, `first run after ${firstRunAt - startedAt} ms`);
  });

  it('never overlaps runs of one job: skips and counts the tick, warns once per streak', async (t) => {
    const log = createRecordingLogger();
    const scheduler = schedulerFor(t, { log });
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
    await until(() => (scheduler.stats().slow?.skippedTicks ?? 0) >= 4);
    await scheduler.stop();
    const stats = scheduler.stats().slow;
    assert.equal(maxConcurrent, 1);
    assert.ok((stats?.skippedTicks ?? 0) >= 4, `skipped=${stats?.skippedTicks}`);
    const warnings = log.lines.filter((l) => l.level === 'warn').length;
    assert.ok(warnings >= 1 && warnings <= 2, `warnings=${warnings}`);
  });

  it('a slow job does not delay another', async (t) => {
    const scheduler = schedulerFor(t, { log: createRecordingLogger() });
    let fast = 0;
    scheduler.add({ key: 'dead', intervalMs: 20, run: () => new Promise(() => {}) });
    scheduler.add({ key: 'fast', intervalMs: 20, run: async () => void fast++ });
    scheduler.start();
    await until(() => fast >= 4);
    await scheduler.stop(10);
    assert.ok(fast >= 4, `fast=${fast}`);
  });

  it('logs a throwing job and keeps its schedule', async (t) => {
    const log = createRecordingLogger();
    const scheduler = schedulerFor(t, { log });
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
    await until(() => runs >= 2);
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
