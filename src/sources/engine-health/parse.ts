/**
 * Engine healthcheck body → EngineHealthRecord (docs/reference/sense-apis.md#engine-healthcheck).
 *
 * Upstream trusts the body and crashes or skips destinations when a part is missing
 * (docs/reference/sense-apis.md#missing-healthcheck-fields). Here numbers that are missing or not
 * finite become `undefined` (mappings leave them out), missing doc arrays become empty, and the
 * caller is told which paths were missing so it can warn once per server.
 */
import type { AppNameLookup } from '../../records/app-names.ts';
import type { DocList, EngineHealthRecord } from '../../records/engine-health.ts';
import type { ServerIdentity } from '../../records/server.ts';
import { engineUptimeText } from './uptime.ts';

export type HealthParseResult =
  | { ok: true; record: EngineHealthRecord; missing: string[] }
  | { ok: false; message: string };

type Obj = Record<string, unknown>;

const isObject = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

const SESSION_APP_PREFIX = 'SessionApp';

/** Splits doc ids into looked-up names and session apps, both sorted (default sort, as upstream). */
export function resolveDocList(ids: readonly string[], appNames: AppNameLookup): DocList {
  const names: string[] = [];
  const sessionApps: string[] = [];
  for (const id of ids) {
    if (id.startsWith(SESSION_APP_PREFIX)) sessionApps.push(id);
    else names.push(appNames.nameOf(id) ?? id);
  }
  return { ids, names: names.sort(), sessionApps: sessionApps.sort() };
}

export function parseHealthBody(
  body: unknown,
  server: ServerIdentity,
  appNames: AppNameLookup,
  timeMs: number,
): HealthParseResult {
  if (!isObject(body)) return { ok: false, message: 'healthcheck response is not a JSON object' };
  const missing: string[] = [];
  const section = (name: string): Obj => {
    const value = body[name];
    if (isObject(value)) return value;
    missing.push(name);
    return {};
  };
  const num = (obj: Obj, path: string, key: string): number | undefined => {
    const value = obj[key];
    if (typeof value === 'number' && Number.isFinite(value)) return value;
    if (value !== undefined || path !== 'mem.totalPhysical') missing.push(path);
    return undefined;
  };
  const str = (key: string): string | undefined => {
    const value = body[key];
    if (typeof value === 'string') return value;
    missing.push(key);
    return undefined;
  };
  const docs = (obj: Obj, key: string): DocList => {
    const value = obj[key];
    if (!Array.isArray(value)) {
      missing.push(`apps.${key}`);
      return resolveDocList([], appNames);
    }
    const ids = value.every((v) => typeof v === 'string')
      ? (value as string[])
      : value.filter((v) => typeof v === 'string');
    return resolveDocList(ids, appNames);
  };

  const mem = section('mem');
  const cpu = section('cpu');
  const session = section('session');
  const apps = section('apps');
  const users = section('users');
  const cache = section('cache');
  const version = str('version');
  const started = str('started');
  const saturated = typeof body.saturated === 'boolean' ? body.saturated : undefined;
  if (saturated === undefined) missing.push('saturated');

  const record: EngineHealthRecord = {
    kind: 'engine-health',
    timeMs,
    server,
    version,
    started,
    uptime: engineUptimeText(started, timeMs),
    mem: {
      committed: num(mem, 'mem.committed', 'committed'),
      allocated: num(mem, 'mem.allocated', 'allocated'),
      free: num(mem, 'mem.free', 'free'),
      totalPhysical: num(mem, 'mem.totalPhysical', 'totalPhysical'),
    },
    cpu: { total: num(cpu, 'cpu.total', 'total') },
    session: {
      active: num(session, 'session.active', 'active'),
      total: num(session, 'session.total', 'total'),
    },
    apps: {
      activeDocs: docs(apps, 'active_docs'),
      loadedDocs: docs(apps, 'loaded_docs'),
      inMemoryDocs: docs(apps, 'in_memory_docs'),
      calls: num(apps, 'apps.calls', 'calls'),
      selections: num(apps, 'apps.selections', 'selections'),
    },
    users: { active: num(users, 'users.active', 'active'), total: num(users, 'users.total', 'total') },
    cache: {
      hits: num(cache, 'cache.hits', 'hits'),
      lookups: num(cache, 'cache.lookups', 'lookups'),
      added: num(cache, 'cache.added', 'added'),
      replaced: num(cache, 'cache.replaced', 'replaced'),
      bytesAdded: num(cache, 'cache.bytes_added', 'bytes_added'),
    },
    saturated,
  };
  return { ok: true, record, missing };
}
