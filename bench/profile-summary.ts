/**
 * Summarises a V8 CPU profile (`node --cpu-prof`): self time per function (with its file and
 * line) and the total per file, largest first, with the idle time left out of the shares.
 *
 *   node bench/profile-summary.ts FILE.cpuprofile [--top 40]
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export function summarise(profile: Profile, top: number): string[] {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfUs = new Map<number, number>();
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i]!;
    selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  }
  const byFunction = new Map<string, number>();
  const byFile = new Map<string, number>();
  let busy = 0;
  for (const [id, us] of selfUs) {
    const frame = byId.get(id)!.callFrame;
    if (frame.functionName === '(idle)') continue;
    busy += us;
    const file = frame.url.split('/').slice(-2).join('/') || frame.functionName;
    const key = `${frame.functionName || '(anonymous)'}  ${file}:${frame.lineNumber + 1}`;
    byFunction.set(key, (byFunction.get(key) ?? 0) + us);
    byFile.set(file, (byFile.get(file) ?? 0) + us);
  }
  const lines = [`busy ${(busy / 1000).toFixed(0)} ms`, '', 'self time by function:'];
  const pct = (us: number) => `${((us / busy) * 100).toFixed(1).padStart(5)} %`;
  for (const [key, us] of [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, top))
    lines.push(`${pct(us)}  ${key}`);
  lines.push('', 'self time by file:');
  for (const [file, us] of [...byFile].sort((a, b) => b[1] - a[1]).slice(0, top))
    lines.push(`${pct(us)}  ${file}`);
  return lines;
}

if (import.meta.main) {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { top: { type: 'string', default: '40' } },
  });
  const profile = JSON.parse(readFileSync(positionals[0]!, 'utf8')) as Profile;
  console.log(summarise(profile, Number(values.top)).join('\n'));
}
