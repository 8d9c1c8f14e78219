/**
 * Prints what a disk spool holds, without changing it:
 *   node scripts/spool-inspect.ts <spoolDirectory> [name] [--records N]
 * (A script rather than a block in the library module: bundled into the single executable,
 * `import.meta.main` would be true for every module and run it on every command.)
 */
import { readdir } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { inspectSpool } from '../src/delivery/spool/inspect.ts';

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { records: { type: 'string', default: '0' } },
  });
  const [directory, only] = positionals;
  if (!directory) {
    console.error('usage: node scripts/spool-inspect.ts <spoolDirectory> [name] [--records N]');
    process.exitCode = 2;
    return;
  }
  const names = only
    ? [only]
    : (await readdir(directory, { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => d.name);
  for (const name of names) {
    const report = await inspectSpool(directory, name, Number(values.records) || 0);
    console.log(JSON.stringify(report, null, 2));
  }
}

if (import.meta.main) {
  main().catch((error: unknown) => {
    console.error(`spool inspect: ${(error as Error).message}`);
    process.exitCode = 1;
  });
}
