/**
 * Child process for the crash test in disk-spool.test.ts: spools numbers as fast as it can and
 * reports on stdout what was acknowledged, until the test kills it with SIGKILL.
 *
 * Phase 1 replays and commits as it goes ("committed N" after each commit resolved); phase 2
 * only peeks (items "in delivery" when the kill comes) while it keeps spooling.
 *   node crash-child.ts <directory>
 */
import { createDiskSpool } from '../../../../src/delivery/spool/index.ts';
import { createRecordingLogger } from '../../../../src/logging/logger.ts';

const directory = process.argv[2];
if (!directory) throw new Error('usage: crash-child.ts <directory>');
const spool = createDiskSpool<number>({
  directory,
  name: 'crash',
  maxBytes: 1024 * 1024 * 1024,
  segmentBytes: 16 * 1024,
  log: createRecordingLogger(),
});
await spool.ready;

let next = 0;
let round = 0;
for (;;) {
  const batch = Array.from({ length: 50 }, (_, i) => next + i);
  await spool.accept(batch, 'queue_full');
  next += batch.length;
  process.stdout.write(`acked ${next - 1}\n`);
  round++;
  if (next <= 2000 && round % 3 === 0) {
    const items = await spool.peek(40);
    await spool.commit(items.length);
    process.stdout.write(`committed ${items.at(-1)}\n`);
  } else if (next > 2000) {
    if (round % 5 === 0) await spool.peek(100);
    process.stdout.write('phase2\n');
  }
}
