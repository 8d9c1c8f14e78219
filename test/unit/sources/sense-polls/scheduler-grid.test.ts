import assert from 'node:assert/strict';
import { test } from 'node:test';
import { gridTimedPolls } from '../../../../src/ha/poll-time.ts';
import { createRecordingLogger } from '../../../../src/logging/logger.ts';
import type { AgentRecord } from '../../../../src/records/record.ts';
import { createScheduler } from '../../../../src/sources/sense-polls/scheduler.ts';

test('aligned to the grid, ticks start at whole multiples of the interval (never before)', async (t) => {
  const scheduler = createScheduler({ log: createRecordingLogger(), runAtStart: false, alignToGrid: true });
  t.after(() => scheduler.stop(10));
  const starts: number[] = [];
  scheduler.add({ key: 'health:0:a', intervalMs: 40, run: async () => void starts.push(Date.now()) });
  scheduler.start();
  await new Promise((resolve) => setTimeout(resolve, 300));
  await scheduler.stop(10);
  assert.ok(starts.length >= 4, `ran ${starts.length} times`);
  // Each run starts in its own slot, early in it (how early depends on the machine's load).
  const slots = starts.map((at) => Math.floor(at / 40));
  assert.equal(new Set(slots).size, slots.length, 'one run per slot');
});

test('grid-timed polls: health, session and failed-poll records get their slot; other kinds pass unchanged', () => {
  const seen: AgentRecord[] = [];
  const emit = gridTimedPolls((r: AgentRecord) => seen.push(r), { healthMs: 30_000, sessionsMs: 10_000 });
  const at = Date.UTC(2026, 0, 1, 12, 0, 44, 321);
  emit({ kind: 'engine-health', timeMs: at } as AgentRecord);
  emit({ kind: 'proxy-sessions', timeMs: at } as AgentRecord);
  emit({ kind: 'failed-poll', pollKind: 'health', timeMs: at } as AgentRecord);
  emit({ kind: 'failed-poll', pollKind: 'proxy-sessions', timeMs: at } as AgentRecord);
  emit({ kind: 'uptime', timeMs: at } as AgentRecord);
  assert.deepEqual(
    seen.map((r) => ('timeMs' in r ? r.timeMs : undefined)),
    [
      Date.UTC(2026, 0, 1, 12, 0, 30),
      Date.UTC(2026, 0, 1, 12, 0, 40),
      Date.UTC(2026, 0, 1, 12, 0, 30),
      Date.UTC(2026, 0, 1, 12, 0, 40),
      at,
    ],
  );
});
