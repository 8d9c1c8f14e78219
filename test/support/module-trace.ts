/**
 * Preloaded into a process under test with `node --import` (tests only): when
 * MODULE_TRACE_DIR is set, every module URL the process resolves (ESM imports and require
 * calls) is appended to `<MODULE_TRACE_DIR>/<pid>.txt`, so a test can tell which process
 * loaded which package.
 */
import { appendFileSync } from 'node:fs';
import { registerHooks } from 'node:module';
import { join } from 'node:path';

const dir = process.env.MODULE_TRACE_DIR;
if (dir) {
  const file = join(dir, `${process.pid}.txt`);
  registerHooks({
    resolve(specifier, context, nextResolve) {
      const result = nextResolve(specifier, context);
      appendFileSync(file, `${result.url}\n`);
      return result;
    },
  });
}
