/**
 * The run command checks the config in a short-lived child process before the agent starts
 * (src/cli/launch.ts). A stop request (SIGTERM, SIGINT) that arrives during that check must
 * stop the child too: it must never outlive its parent, and the agent must not start.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { stringify } from 'yaml';
import { HANDOVER_FD_ENV } from '../../../src/cli/handover.ts';
import {
  e2eConfig,
  freeUdpPort,
  makeAgentDir,
  nodeBinary,
  removeAgentDir,
} from '../../support/agent-process.ts';
import { freePort } from '../../support/services.ts';

const LAUNCH = new URL('../../../src/cli/launch.ts', import.meta.url).pathname;

/** Child processes of `pid` (Linux). */
function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
      .trim()
      .split(/\s+/)
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
}

/** True while `pid` runs (an exited process not yet reaped, a zombie, does not count). */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  test(`${signal} while the config is being checked stops the checking child, and the agent never starts`, {
    timeout: 30_000,
  }, async (t) => {
    const dir = makeAgentDir();
    t.after(() => removeAgentDir(dir));
    const configFile = join(dir, 'config.yaml');
    const config = e2eConfig({
      logEventPort: await freeUdpPort(),
      spoolDirectory: join(dir, 'spool'),
      influx: { port: await freePort(), dbName: 'signals' },
    });
    writeFileSync(configFile, stringify(config));
    // A preload that holds the checking child (which gets the parent's Node options) for 20 s
    // before it checks: long enough that only a forwarded signal can end it within the test.
    const slowCheck = join(dir, 'slow-check.mjs');
    writeFileSync(
      slowCheck,
      `if (process.env.${HANDOVER_FD_ENV}) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20000);\n`,
    );
    const parent = spawn(nodeBinary(), ['--import', slowCheck, LAUNCH, '-c', configFile], {
      cwd: dir,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    parent.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
    });
    parent.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
    });
    const exited = new Promise<number | null>((resolve) => parent.once('exit', (code) => resolve(code)));
    t.after(() => {
      if (parent.exitCode === null) parent.kill('SIGKILL');
    });

    let checker: number | undefined;
    for (let i = 0; i < 2000 && checker === undefined; i++) {
      checker = childrenOf(parent.pid!)[0];
      if (checker === undefined) await sleep(2);
    }
    assert.ok(checker !== undefined, 'the checking child never appeared');
    parent.kill(signal);
    const code = await exited;

    for (let i = 0; i < 100 && alive(checker); i++) await sleep(20);
    assert.equal(alive(checker), false, `the checking child ${checker} outlived its parent`);
    assert.notEqual(code, 0, 'a stopped check is not a success');
    assert.doesNotMatch(output, /MAIN: Butler SOS started/, 'the agent started after the stop request');
  });
}
