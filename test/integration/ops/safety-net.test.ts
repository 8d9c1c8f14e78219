import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { pathToFileURL } from 'node:url';

const ROOT = new URL('../../../', import.meta.url);

/** Runs a small script that installs the safety net and then fails in the given way. */
async function runFailing(failure: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'bsos-net-'));
  const script = join(dir, 'fail.ts');
  writeFileSync(
    script,
    `import { createLogger } from ${JSON.stringify(new URL('src/logging/logger.ts', ROOT).href)};
import { installProcessSafetyNet } from ${JSON.stringify(new URL('src/ops/safety-net.ts', ROOT).href)};
const log = createLogger('info', { colour: false, redact: (s) => s.replaceAll('hunter2', '**********') });
installProcessSafetyNet(log, async (error, source) => { log.info('cleanup ran for ' + source); }, { redact: (s) => s.replaceAll('hunter2', '**********') });
setInterval(() => {}, 1000); // would keep a half-dead process alive
setTimeout(() => { ${failure} }, 10);
`,
  );
  try {
    const child = spawn(process.execPath, [pathToFileURL(script).pathname], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    return { code, stdout, stderr };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('an uncaught exception is logged with context, cleaned up, and exits 1 with a clear message', async () => {
  const r = await runFailing(`throw new Error('password hunter2 rejected');`);
  assert.equal(r.code, 1);
  assert.match(
    r.stderr,
    /^FATAL: Uncaught exception: Error: password \*{10} rejected\. Butler SOS is stopping \(exit code 1\)\.$/m,
  );
  assert.match(r.stdout, /error: FATAL: Uncaught exception: Error: password \*{10} rejected/);
  assert.match(r.stdout, /\n\s+at /, 'stack trace logged');
  assert.match(r.stdout, /info: cleanup ran for uncaughtException/);
  assert.ok(!r.stdout.includes('hunter2') && !r.stderr.includes('hunter2'));
});

test('an unhandled rejection also exits 1 instead of running half-dead', async () => {
  const r = await runFailing(`Promise.reject(new Error('no route to sense'));`);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /FATAL: Unhandled promise rejection: Error: no route to sense/);
  assert.match(r.stdout, /cleanup ran for unhandledRejection/);
});
