/**
 * Engine performance monitor filters (docs/reference/runtime.md#engine-performance-filters,
 * docs/reference/udp-events.md#engine-performance-monitor-filters): decide whether a qix-perf event
 * is accepted. Compiled once from the config (null lists = empty, object-id lists accept both `- X`
 * and `- objectId: X`), evaluated per event.
 *
 * Upstream semantics kept on purpose: an include/exclude entry with neither `appId` nor
 * `appName` matches every app (config validation should warn about it); all comparisons
 * are exact and case-sensitive.
 */
import type { PerfFilterValues } from './parse.ts';

interface AppMatch {
  appId?: string | null;
  appName?: string | null;
}

interface ListFilterConfig {
  all?: boolean;
  exclude?: readonly unknown[] | null;
  include?: readonly unknown[] | null;
}

interface ObjectTypeFilterConfig {
  allObjectTypes?: boolean;
  allObjectTypesExclude?: string[] | null;
  someObjectTypesInclude?: string[] | null;
}

interface MethodFilterConfig {
  allMethods?: boolean;
  allMethodsExclude?: string[] | null;
  someMethodsInclude?: string[] | null;
}

/** `logEvents.enginePerformanceMonitor.monitorFilter` as in the config file. */
export interface MonitorFilterConfig {
  allApps?: {
    enable: boolean;
    appExclude?: AppMatch[] | null;
    objectType?: ObjectTypeFilterConfig | null;
    method?: MethodFilterConfig | null;
  } | null;
  appSpecific?: {
    enable: boolean;
    app?:
      | {
          include?: AppMatch[] | null;
          objectType?: ObjectTypeFilterConfig | null;
          appObject?: {
            allAppObjects?: boolean;
            allAppObjectsExclude?: (string | { objectId?: string })[] | null;
            someAppObjectsInclude?: (string | { objectId?: string })[] | null;
          } | null;
          method?: MethodFilterConfig | null;
        }[]
      | null;
  } | null;
}

type ListCheck = (value: string) => boolean;
type AppCheck = (appId: string, appName: string) => boolean;

function entryValue(entry: unknown): string | undefined {
  if (typeof entry === 'string') return entry;
  if (entry !== null && typeof entry === 'object' && 'objectId' in entry) {
    const id = (entry as { objectId?: unknown }).objectId;
    return typeof id === 'string' ? id : undefined;
  }
  return undefined;
}

/**
 * `all ? value not in exclude : value in include`. A sub-filter missing from the config
 * altogether (optional under `allApps`) passes everything.
 */
function listCheck(cfg: ListFilterConfig): ListCheck {
  if (cfg.all === undefined && cfg.exclude == null && cfg.include == null) return () => true;
  const exclude = new Set((cfg.exclude ?? []).map(entryValue).filter((v) => v !== undefined));
  const include = new Set((cfg.include ?? []).map(entryValue).filter((v) => v !== undefined));
  return cfg.all === true ? (v) => !exclude.has(v) : (v) => include.has(v);
}

function appCheck(entries: AppMatch[] | null | undefined): AppCheck {
  const list = (entries ?? []).map((e) => ({
    appId: e?.appId ?? undefined,
    appName: e?.appName ?? undefined,
  }));
  return (appId, appName) =>
    list.some(
      (e) =>
        (e.appId === undefined || e.appId === appId) && (e.appName === undefined || e.appName === appName),
    );
}

export type PerfFilter = (e: PerfFilterValues) => boolean;

export function compilePerfFilter(cfg: MonitorFilterConfig): PerfFilter {
  const blocks = cfg.appSpecific?.enable
    ? (cfg.appSpecific.app ?? []).map((block) => ({
        include: appCheck(block.include),
        objectType: listCheck({
          all: block.objectType?.allObjectTypes,
          exclude: block.objectType?.allObjectTypesExclude,
          include: block.objectType?.someObjectTypesInclude,
        }),
        appObject: listCheck({
          all: block.appObject?.allAppObjects,
          exclude: block.appObject?.allAppObjectsExclude,
          include: block.appObject?.someAppObjectsInclude,
        }),
        method: listCheck({
          all: block.method?.allMethods,
          exclude: block.method?.allMethodsExclude,
          include: block.method?.someMethodsInclude,
        }),
      }))
    : [];
  const allApps = cfg.allApps?.enable
    ? {
        exclude: appCheck(cfg.allApps.appExclude),
        objectType: listCheck({
          all: cfg.allApps.objectType?.allObjectTypes,
          exclude: cfg.allApps.objectType?.allObjectTypesExclude,
          include: cfg.allApps.objectType?.someObjectTypesInclude,
        }),
        method: listCheck({
          all: cfg.allApps.method?.allMethods,
          exclude: cfg.allApps.method?.allMethodsExclude,
          include: cfg.allApps.method?.someMethodsInclude,
        }),
      }
    : undefined;

  return (e) => {
    for (const b of blocks) {
      if (
        b.include(e.appId, e.appName) &&
        b.objectType(e.objectType) &&
        b.appObject(e.objectId) &&
        b.method(e.method)
      ) {
        return true;
      }
    }
    if (allApps === undefined) return false;
    if (allApps.exclude(e.appId, e.appName)) return false;
    return allApps.objectType(e.objectType) && allApps.method(e.method);
  };
}
