/**
 * Schema validation that reports every problem at once: when the config does not parse,
 * the bad values are removed from a working copy (so their defaults apply) and it is parsed
 * again, until it parses. Cross-field checks can then still run on the result.
 *
 * Each problem becomes an error, or a warning when it lies in a disabled section or when
 * verification is skipped (`--skip-config-verification`).
 */
import type { z } from 'zod';
import type { Findings } from './findings.ts';
import { getAt, type KeyPath, type PathSegment, startsWith } from './kit/paths.ts';
import { type ButlerSosConfig, CONDITIONAL_SECTIONS, configSchema } from './schema.ts';
import { type Explained, explain } from './zod-explain.ts';

export const ROOT = 'Butler-SOS';
/** Conditional sections that are on when their `enable` key is absent (v15 defaults). */
const ENABLED_BY_DEFAULT = new Set<string>(['crashFile', 'errorTracking']);
const MAX_ROUNDS = 25;

export interface Repaired {
  config: ButlerSosConfig;
  /** Key paths removed so that defaults apply. */
  repaired: KeyPath[];
}

interface RepairContext {
  data: unknown;
  findings: Findings;
  skipVerification: boolean;
  /** Paths removed in earlier rounds. */
  repaired: KeyPath[];
}

/** Parses `data` against the schema; throws the findings' ConfigError when it cannot be repaired. */
export function parseRepairing(data: unknown, findings: Findings, skipVerification: boolean): Repaired {
  const working = structuredClone(data) as Record<string, unknown>;
  const context: RepairContext = { data, findings, skipVerification, repaired: [] };
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const result = configSchema.safeParse(working);
    if (result.success) return { config: result.data, repaired: context.repaired };
    const removals = reportRound(context, working, result.error.issues);
    for (const path of removals) context.repaired.push(path);
    removeAll(working, removals);
  }
  throw findings.failure();
}

/** Records the problems of one failed parse; returns the paths to remove before the next. */
function reportRound(context: RepairContext, working: unknown, issues: z.core.$ZodIssue[]): KeyPath[] {
  const removals: KeyPath[] = [];
  let unrepairable = false;
  for (const zodIssue of issues) {
    for (const problem of explain(zodIssue, context.data)) {
      const { path } = problem;
      if (path.length === 0 || (path.length === 1 && path[0] === ROOT)) {
        // The document or Butler-SOS itself is unusable: nothing to repair.
        context.findings.error(path, problem.message, 'schema', problem.expected);
        unrepairable = true;
        continue;
      }
      const alreadyRepaired = context.repaired.some((done) => startsWith(path, done));
      if (!alreadyRepaired) report(context, problem);
      // A value already removed that is still a problem (a required key): remove its parent.
      removals.push(getAt(working, path) === undefined && alreadyRepaired ? path.slice(0, -1) : path);
    }
  }
  if (unrepairable) throw context.findings.failure();
  return removals;
}

function report({ data, findings, skipVerification }: RepairContext, problem: Explained): void {
  const { path, message, expected } = problem;
  const disabled = disabledSectionOf(data, path);
  if (disabled) {
    findings.warning(
      path,
      `${message}; ignored (default used) because ${disabled}.enable is false`,
      'schema',
      expected,
    );
  } else if (skipVerification) {
    findings.warning(path, `${message}; default used (config verification skipped)`, 'schema', expected);
  } else {
    findings.error(path, message, 'schema', expected);
  }
}

/** The disabled conditional section a path lies in (its `enable` key excepted), if any. */
function disabledSectionOf(data: unknown, path: KeyPath): string | undefined {
  const name = path[1];
  if (
    path[0] !== ROOT ||
    typeof name !== 'string' ||
    !(CONDITIONAL_SECTIONS as readonly string[]).includes(name)
  )
    return undefined;
  if (path.length === 3 && path[2] === 'enable') return undefined;
  if (path.length <= 2) return undefined;
  const enable = getAt(data, [ROOT, name, 'enable']);
  const enabled = typeof enable === 'boolean' ? enable : ENABLED_BY_DEFAULT.has(name);
  return enabled ? undefined : name;
}

/** Removes values so that defaults apply; list items are removed after all other removals. */
function removeAll(root: Record<string, unknown>, paths: KeyPath[]): void {
  const listItems = new Map<unknown[], Set<number>>();
  for (const path of paths) {
    const parent = getAt(root, path.slice(0, -1));
    const last = path[path.length - 1];
    if (Array.isArray(parent) && typeof last === 'number') {
      const marked = listItems.get(parent) ?? new Set<number>();
      marked.add(last);
      listItems.set(parent, marked);
    } else if (parent !== null && typeof parent === 'object' && last !== undefined) {
      delete (parent as Record<PathSegment, unknown>)[last];
    }
  }
  for (const [list, indexes] of listItems) {
    for (const index of [...indexes].sort((a, b) => b - a)) list.splice(index, 1);
  }
}
