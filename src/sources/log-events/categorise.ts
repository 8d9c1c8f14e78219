/**
 * Log-event categorisation (docs/reference/runtime.md#log-event-categorisation,
 * docs/reference/udp-events.md#log-event-categorisation).
 *
 * Rules are normalised once at start-up (trimmed, lower-cased `logLevel`, `action`, filter
 * `type`; null lists treated as empty), then evaluated per event without allocation on the
 * common path.
 *
 * Deliberate difference from upstream: a matching rule with `action: drop` really drops the
 * event (upstream only clears its categories and forwards it anyway). The caller counts
 * such drops. Events without a message (engine performance events) are matched against ""
 * instead of failing the whole event as upstream does.
 */
import type { Logger } from '../../logging/logger.ts';
import type { Category } from '../../records/log-event.ts';

/**
 * `logEvents.categorise` as the categoriser takes it: the checked section (`CategoriseConfig`,
 * config.ts) fits, and so does one written by hand, with null lists and text not yet trimmed
 * or lower-cased, which is normalised here once.
 */
export interface CategoriseInput {
  enable: boolean;
  rules?:
    | {
        description?: string;
        logLevel?: string[] | null;
        action?: string;
        category?: Category[] | null;
        filter?: { type: string; value: string }[] | null;
      }[]
    | null;
  ruleDefault?: { enable: boolean; category?: Category[] | null } | null;
}

type FilterType = 'sw' | 'ew' | 'so';

interface CompiledRule {
  levels: ReadonlySet<string>;
  drop: boolean;
  category: readonly Category[];
  filters: readonly { type: FilterType; value: string }[];
}

export type CategoriseResult = { action: 'categorised'; category: Category[] } | { action: 'dropped' };

export type Categoriser = (level: string, message: string) => CategoriseResult;

/** Compile the rules; unknown filter types are reported once here and ignored afterwards. */
export function compileCategoriser(cfg: CategoriseInput, log: Logger): Categoriser {
  const rules: CompiledRule[] = [];
  for (const [index, rule] of (cfg.rules ?? []).entries()) {
    const filters: { type: FilterType; value: string }[] = [];
    for (const f of rule.filter ?? []) {
      const type = String(f.type ?? '')
        .trim()
        .toLowerCase();
      if (type === 'sw' || type === 'ew' || type === 'so')
        filters.push({ type, value: String(f.value ?? '') });
      else
        log.warn(`Log event categorisation: filter type '${f.type}' is not recognised; ignored`, {
          rule: index,
        });
    }
    rules.push({
      levels: new Set((rule.logLevel ?? []).map((l) => String(l).trim().toLowerCase())),
      drop:
        String(rule.action ?? '')
          .trim()
          .toLowerCase() === 'drop',
      category: rule.category ?? [],
      filters,
    });
  }
  const defaultCategories: readonly Category[] =
    cfg.ruleDefault?.enable === true ? (cfg.ruleDefault.category ?? []) : [];

  return (level, message) => {
    const lowerLevel = level.toLowerCase();
    let categories: Category[] | undefined;
    for (const rule of rules) {
      if (!rule.levels.has(lowerLevel)) continue;
      for (const f of rule.filters) {
        const hit =
          f.type === 'sw'
            ? message.startsWith(f.value)
            : f.type === 'ew'
              ? message.endsWith(f.value)
              : message.includes(f.value);
        if (!hit) continue;
        if (rule.drop) return { action: 'dropped' };
        categories ??= [];
        for (const c of rule.category) {
          if (!categories.some((have) => have.name === c.name && have.value === c.value)) categories.push(c);
        }
        break;
      }
    }
    return { action: 'categorised', category: categories ?? [...defaultCategories] };
  };
}

/** Every category name the rules can produce (InfluxDB v1 needs them declared as tags). */
export function categoryNames(cfg: CategoriseInput): string[] {
  const names = new Set<string>();
  for (const rule of cfg.rules ?? []) for (const c of rule.category ?? []) names.add(c.name);
  for (const c of cfg.ruleDefault?.category ?? []) names.add(c.name);
  return [...names];
}
