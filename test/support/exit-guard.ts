/**
 * Preloaded into every test file's process (scripts/test.sh): once all of the file's tests
 * have ended, a process that is still alive 10 s later (a failed test left a timer or a socket
 * open) exits anyway, with the runner's exit code. This replaces `--test-force-exit`, which
 * exits at once and, with several files run in parallel, can cut off the report of a file's
 * last tests before it reaches the runner: a run then says fewer tests than ran, and still
 * "fail 0" (nodejs/node#64833; seen here, 33 tests of one file missing from a run).
 */
import { after } from 'node:test';

const GRACE_MS = 10_000;

after(() => {
  setTimeout(() => process.exit(), GRACE_MS).unref();
});
