/**
 * The overview page's data in one response: a row per Sense server (poll state merged with
 * its newest engine values) and the chart series. The measurement and field names are
 * upstream's (docs/reference/influxdb.md#engine-health, docs/reference/influxdb.md#proxy-sessions)
 * and live here only.
 */
import type {
  AsyncStoreReader,
  LatestPoint,
  Series,
  SeriesResult,
} from '../destinations/local-store/queries.ts';
import type { WebStatus } from './status.ts';

export interface ChartSeries {
  label: string;
  time: number[];
  values: Array<number | null>;
}

export interface Chart {
  id: string;
  title: string;
  unit: string;
  series: ChartSeries[];
}

export interface ServerRow {
  serverName: string;
  host: string | null;
  state: string;
  lastError: string | null;
  lastPollAt: string | number | null;
  lastDataAt: number | null;
  memAllocatedMb: number | null;
  memCommittedMb: number | null;
  memFreeMb: number | null;
  cpuPct: number | null;
  sessionsActive: number | null;
  usersActive: number | null;
  loadedApps: number | null;
  cacheHitPct: number | null;
  saturated: boolean | null;
}

export interface Overview {
  sinceMs: number;
  untilMs: number;
  bucketMs: number;
  servers: ServerRow[];
  charts: Chart[];
}

interface ChartDef {
  id: string;
  title: string;
  unit: string;
  measurement: string;
  fields: string[];
  groupBy?: string[];
  /** Turns the queried fields of one series into the plotted values (default: the first field). */
  derive?: (s: Series) => Array<number | null>;
}

/**
 * Sense's cache counters grow since engine start; the ratio between samples shows the
 * current hit rate rather than a lifetime average. A counter reset (engine restart) or a
 * sample without lookups gives a gap.
 */
function cacheHitRatio(s: Series): Array<number | null> {
  const hits = s.values.hits ?? [];
  const lookups = s.values.lookups ?? [];
  return hits.map((h, i) => {
    if (i === 0) return null;
    const dh = (h ?? Number.NaN) - (hits[i - 1] ?? Number.NaN);
    const dl = (lookups[i] ?? Number.NaN) - (lookups[i - 1] ?? Number.NaN);
    if (!(dl > 0) || !(dh >= 0) || dh > dl) return null;
    return Math.round((dh / dl) * 1000) / 10;
  });
}

export const CHARTS: ChartDef[] = [
  { id: 'mem', title: 'Memory allocated', unit: 'MB', measurement: 'mem', fields: ['allocated'] },
  { id: 'cpu', title: 'CPU', unit: '%', measurement: 'cpu', fields: ['total'] },
  { id: 'session', title: 'Engine sessions (active)', unit: '', measurement: 'session', fields: ['active'] },
  { id: 'users', title: 'Users (active)', unit: '', measurement: 'users', fields: ['active'] },
  { id: 'apps', title: 'Loaded apps', unit: '', measurement: 'apps', fields: ['loaded_docs_count'] },
  {
    id: 'cache',
    title: 'Cache hit ratio',
    unit: '%',
    measurement: 'cache',
    fields: ['hits', 'lookups'],
    derive: cacheHitRatio,
  },
  {
    id: 'saturated',
    title: 'Saturated (share of samples)',
    unit: '',
    measurement: 'saturated',
    fields: ['saturated'],
  },
  {
    id: 'proxy',
    title: 'Proxy sessions',
    unit: '',
    measurement: 'user_session_summary',
    fields: ['session_count'],
    groupBy: ['server_name', 'user_session_virtual_proxy'],
  },
];

const label = (s: Series, groupBy: string[]) =>
  groupBy
    .map((t) => s.tags[t])
    .filter((v) => v !== undefined)
    .join(' ') || '(no server name)';

function chartFrom(def: ChartDef, result: SeriesResult): Chart {
  const groupBy = def.groupBy ?? ['server_name'];
  return {
    id: def.id,
    title: def.title,
    unit: def.unit,
    series: result.series.map((s) => ({
      label: label(s, groupBy),
      time: s.time,
      values: def.derive ? def.derive(s) : (s.values[def.fields[0]!] ?? []),
    })),
  };
}

const num = (p: LatestPoint | undefined, field: string): number | null => {
  const v = p?.fields[field];
  return typeof v === 'number' ? v : typeof v === 'boolean' ? Number(v) : null;
};

export async function buildOverview(
  store: AsyncStoreReader,
  status: WebStatus,
  options: { sinceMs: number; untilMs: number; maxPoints: number },
): Promise<Overview> {
  let bucketMs = 1;
  // One query at a time: the store's worker answers them in turn, and an overview must not
  // take every waiting place of its queue.
  const charts: Chart[] = [];
  for (const def of CHARTS) {
    const result = await store.series({
      measurement: def.measurement,
      fields: def.fields,
      sinceMs: options.sinceMs,
      untilMs: options.untilMs,
      maxPoints: options.maxPoints,
      ...(def.groupBy ? { groupBy: def.groupBy } : {}),
    });
    bucketMs = result.bucketMs;
    charts.push(chartFrom(def, result));
  }

  const latestBy = async (measurement: string) =>
    new Map(
      (await store.latest({ measurement, sinceMs: options.sinceMs })).map(
        (p) => [p.tags.server_name ?? '', p] as const,
      ),
    );
  const latest = {
    mem: await latestBy('mem'),
    cpu: await latestBy('cpu'),
    session: await latestBy('session'),
    users: await latestBy('users'),
    apps: await latestBy('apps'),
    saturated: await latestBy('saturated'),
  };
  const cacheChart = charts.find((c) => c.id === 'cache');
  const lastCacheRatio = (server: string) => {
    const values = cacheChart?.series.find((s) => s.label === server)?.values ?? [];
    for (let i = values.length - 1; i >= 0; i--) if (values[i] != null) return values[i] ?? null;
    return null;
  };

  const names = new Set<string>();
  for (const s of status.servers ?? []) names.add(s.serverName);
  for (const map of Object.values(latest)) for (const name of map.keys()) if (name !== '') names.add(name);

  const servers = [...names].sort().map((serverName): ServerRow => {
    const st = status.servers?.find((s) => s.serverName === serverName);
    const points = Object.values(latest).map((m) => m.get(serverName));
    const times = points.map((p) => p?.timeMs ?? 0).filter((t) => t > 0);
    const sat = latest.saturated.get(serverName)?.fields.saturated;
    return {
      serverName,
      host: st?.host ?? latest.mem.get(serverName)?.tags.host ?? null,
      state: st?.state ?? 'unknown',
      lastError: st?.lastError ?? null,
      lastPollAt: st?.lastPollAt ?? null,
      lastDataAt: times.length > 0 ? Math.max(...times) : null,
      memAllocatedMb: num(latest.mem.get(serverName), 'allocated'),
      memCommittedMb: num(latest.mem.get(serverName), 'comitted'),
      memFreeMb: num(latest.mem.get(serverName), 'free'),
      cpuPct: num(latest.cpu.get(serverName), 'total'),
      sessionsActive: num(latest.session.get(serverName), 'active'),
      usersActive: num(latest.users.get(serverName), 'active'),
      loadedApps: num(latest.apps.get(serverName), 'loaded_docs_count'),
      cacheHitPct: lastCacheRatio(serverName),
      saturated: typeof sat === 'boolean' ? sat : typeof sat === 'number' ? sat !== 0 : null,
    };
  });

  return { sinceMs: options.sinceMs, untilMs: options.untilMs, bucketMs, servers, charts };
}
