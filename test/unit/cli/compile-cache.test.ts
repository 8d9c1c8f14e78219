import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { dirname } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));

/** Where the compile cache is, in a fresh Node process, after `enableCompileCache` ran there. */
function cacheDirAfterEnable(env: NodeJS.ProcessEnv): string | null {
  const script = `
    import module from 'node:module';
    const { enableCompileCache } = await import(${JSON.stringify(`${REPO}src/cli/compile-cache.ts`)});
    enableCompileCache();
    console.log(JSON.stringify(module.getCompileCacheDir() ?? null));`;
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
    env: { ...env, NODE_COMPILE_CACHE: '' },
    encoding: 'utf8',
  });
  return JSON.parse(out) as string | null;
}

describe('compile cache', () => {
  it('is kept in the build folder, not in the shared temporary folder', () => {
    // Node keeps one subfolder per Node version and V8 flags.
    const dir = cacheDirAfterEnable(process.env) ?? '';
    assert.equal(dirname(dir), `${REPO}dist/app/.compile-cache`);
  });

  it('is off with NODE_DISABLE_COMPILE_CACHE=1', () => {
    assert.equal(cacheDirAfterEnable({ ...process.env, NODE_DISABLE_COMPILE_CACHE: '1' }), null);
  });
});
