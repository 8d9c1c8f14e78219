/**
 * Time to load a config file as it grows: the v15 fixture with more and more keys in one
 * mapping (each unknown key under Butler-SOS is a warning with its line, the worst case for
 * the line lookups and the duplicate-key check). Prints CPU milliseconds per size and per MB;
 * linear loading keeps the per-MB figure flat.
 *
 *   node bench/config-load.ts [--repo DIR] [--sizes 250000,500000,1000000,2000000]
 *
 * --repo loads another checkout's src/config/load.ts (for a before/after comparison). The
 * sizes above the config size cap are loaded with loadConfigText, which has no cap.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { cpuUsage } from 'node:process';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    repo: { type: 'string', default: resolve(import.meta.dirname, '..') },
    sizes: { type: 'string', default: '250000,500000,1000000,2000000' },
  },
});
const repo = resolve(values.repo);
const { loadConfigText } = (await import(join(repo, 'src/config/load.ts'))) as {
  loadConfigText: (text: string, file?: string) => unknown;
};
// The fixture of the same checkout, so that it is valid for that checkout's schema.
const base = readFileSync(join(repo, 'test/fixtures/config/butler-sos-v15.yaml'), 'utf8');

function grown(target: number): string {
  const lines: string[] = [base];
  let length = base.length;
  for (let n = 0; length < target; n++) {
    const line = `  extraSetting${n}: value ${n}\n`;
    lines.push(line);
    length += line.length;
  }
  return lines.join('');
}

console.log(`repo ${repo}`);
console.log('bytes      cpu ms   cpu ms per MB');
for (const size of values.sizes.split(',').map(Number)) {
  const text = grown(size);
  const start = cpuUsage();
  try {
    loadConfigText(text, `grown-${size}.yaml`);
  } catch (error) {
    console.log(`  (load failed: ${String((error as Error).message).slice(0, 100)})`);
  }
  const used = cpuUsage(start);
  const ms = (used.user + used.system) / 1000;
  console.log(
    `${String(text.length).padEnd(10)} ${ms.toFixed(0).padStart(7)} ${(ms / (text.length / 1e6)).toFixed(0).padStart(15)}`,
  );
}
