/**
 * V8's compile cache: the compiled code of the agent's modules is kept on disk and reused by
 * the next start, in both the checking child and the agent. It took about 25 ms off the
 * start (bench/start-time.ts), mostly in the child, which compiles the config schema and the
 * YAML parser. The cache lives in the build folder (`dist/app/.compile-cache`, emptied by
 * every build) rather than in the shared temporary folder, so that no other user of the
 * machine can plant code in it; where that folder is not writable Node goes on without the
 * cache. Not for a single binary, which carries its own code cache. NODE_DISABLE_COMPILE_CACHE=1
 * turns it off.
 */
import module from 'node:module';
import { isSea } from 'node:sea';
import { fileURLToPath } from 'node:url';

export function enableCompileCache(): void {
  if (isSea()) return;
  // This file's URL is src/cli/compile-cache.ts, in the build too (scripts/build.ts).
  module.enableCompileCache(fileURLToPath(new URL('../../dist/app/.compile-cache', import.meta.url)));
}
