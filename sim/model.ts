/**
 * The simulated state of one Sense node: its apps, users, proxy sessions and engine figures,
 * advanced one step at a time. A step is taken per API request (not per wall-clock tick) so
 * a seeded simulator gives the same sequence of responses in every test run, while values
 * still change between any two polls as they do on a real, busy node.
 */
import { longIso8601Date } from './datagrams.ts';
import type { Random } from './random.ts';

export const ENGINE_VERSION = '14.173.3';
const TOTAL_PHYSICAL_MB = 49151.75;

const APP_NAMES = [
  'Freight costs 2025',
  'Month-end close',
  'HR headcount',
  'Supply chain overview',
  'Customer churn analysis',
  'Marketing campaign ROI',
  'Inventory levels',
  'Operations KPIs',
  'Budget vs actual',
  'Procurement spend',
  'IT service desk',
  'Manufacturing quality',
  'Logistics on-time delivery',
  'Retail store performance',
  'Energy consumption',
  'Customer service calls',
  'Product profitability',
  'Fleet management',
  'Clinical trials tracker',
  'Treasury cash position',
  'Web analytics',
  'Sales pipeline',
  'Accounts receivable ageing',
  'Workforce planning',
];

const FIRST_NAMES = [
  'astrid',
  'pavel',
  'mirela',
  'jonas',
  'li',
  'fatima',
  'oscar',
  'sofia',
  'ahmed',
  'emma',
  'lucas',
  'nora',
  'david',
  'ingrid',
  'kenji',
  'laura',
  'mohammed',
  'elin',
  'tomas',
  'chloe',
  'raj',
  'hanna',
  'marco',
  'olga',
];

const GROUPS = ['Sales', 'Finance', 'HR', 'Operations', 'IT', 'Marketing', 'EMEA', 'Americas'];
const STREAMS = [
  { id: 'c3f81e5a-92d4-4b7e-a06f-1d8b5e27c940', name: 'Everyone' },
  { id: '5b9c3f1e-7a2d-4e8b-9c0f-1d2e3f4a5b6c', name: 'Finance' },
  { id: '6c0d4a2f-8b3e-4f9c-8d1a-2e3f4a5b6c7d', name: 'Operations' },
];

export interface SimApp {
  id: string;
  name: string;
  /** Approximate size in engine memory when loaded, MB. */
  sizeMb: number;
  published: boolean;
  stream: { id: string; name: string } | null;
  publishTime: string;
  migrationHash: string;
}

export interface SimUser {
  directory: string;
  id: string;
}

export interface ProxySession {
  virtualProxy: string;
  user: SimUser;
  sessionId: string;
  attributes: Record<string, string>[];
  /** App the session has open, or null while on the hub. */
  appId: string | null;
  active: boolean;
}

/**
 * The JSON shape of one element of `GET /qps[/<vp>]/session`
 * (docs/reference/sense-apis.md#proxy-session-response).
 */
export interface ProxySessionJson {
  UserDirectory: string;
  UserId: string;
  Attributes: Record<string, string>[];
  SessionId: string;
}

/**
 * The JSON shape of `GET /engine/healthcheck`
 * (docs/reference/sense-apis.md#healthcheck-response).
 */
export interface HealthcheckJson {
  version: string;
  started: string;
  mem: { committed: number; allocated: number; free: number; totalPhysical: number };
  cpu: { total: number };
  session: { active: number; total: number };
  apps: {
    active_docs: string[];
    in_memory_docs: string[];
    loaded_docs: string[];
    calls: number;
    selections: number;
  };
  users: { active: number; total: number };
  cache: { hits: number; lookups: number; added: number; replaced: number; bytes_added: number };
  saturated: boolean;
}

/** The condensed app entity of `GET /qrs/app` (docs/reference/sense-apis.md#app-list-response). */
export interface QrsAppJson {
  id: string;
  name: string;
  appId: string;
  publishTime: string;
  published: boolean;
  stream: { id: string; name: string; privileges: null } | null;
  savedInProductVersion: string;
  migrationHash: string;
  availabilityStatus: number;
  privileges: null;
}

const APPS_PER_SERVER = 8;
const USERS_PER_SERVER = 10;

export class ServerModel {
  readonly index: number;
  readonly hostName: string;
  readonly apps: SimApp[];
  readonly users: SimUser[];
  readonly virtualProxies: string[];
  readonly started: Date;
  sessions: ProxySession[] = [];
  private readonly rng: Random;
  private steps = 0;
  /** App id → step at which it was last used; apps stay in memory a while after use. */
  private readonly inMemory = new Map<string, number>();
  /** Session apps (created on the fly, never in the QRS) with their remaining lifetime. */
  private sessionApps = new Map<string, number>();
  private reloadApp: string | null = null;
  private cpu = 3;
  private committed = 1800;
  private counters = { calls: 0, selections: 0, hits: 0, lookups: 0, added: 0, replaced: 0, bytesAdded: 0 };

  constructor(index: number, hostName: string, virtualProxies: string[], rng: Random, started: Date) {
    this.index = index;
    this.hostName = hostName;
    this.virtualProxies = virtualProxies;
    this.rng = rng;
    this.started = started;
    this.apps = Array.from({ length: APPS_PER_SERVER }, (_, i) => {
      const n = index * APPS_PER_SERVER + i;
      const base = APP_NAMES[n % APP_NAMES.length] as string;
      const round = Math.floor(n / APP_NAMES.length);
      const published = rng.chance(0.7);
      return {
        id: rng.guid(),
        name: round === 0 ? base : `${base} (${round + 1})`,
        sizeMb: rng.int(40, 900) + rng.next(),
        published,
        stream: published ? rng.pick(STREAMS) : null,
        publishTime: published
          ? new Date(
              Date.UTC(2025, rng.int(0, 11), rng.int(1, 28), rng.int(6, 18), rng.int(0, 59)),
            ).toISOString()
          : '1753-01-01T00:00:00.000Z',
        migrationHash: Array.from({ length: 40 }, () => '0123456789abcdef'[rng.int(0, 15)]).join(''),
      };
    });
    this.users = Array.from({ length: USERS_PER_SERVER }, (_, i) => {
      const n = index * USERS_PER_SERVER + i;
      const base = FIRST_NAMES[n % FIRST_NAMES.length] as string;
      const round = Math.floor(n / FIRST_NAMES.length);
      return { directory: 'NORTHWIND', id: round === 0 ? base : `${base}${round + 1}` };
    });
    this.counters.calls = rng.int(10_000, 200_000);
    this.counters.selections = Math.floor(this.counters.calls / 30);
    this.counters.lookups = Math.floor(this.counters.calls / 4);
    this.counters.hits = Math.floor(this.counters.lookups * 0.7);
    this.counters.added = this.counters.lookups - this.counters.hits;
    this.counters.replaced = Math.floor(this.counters.added * 0.07);
    this.counters.bytesAdded = this.counters.added * 60_000;
    // Start with a few users already at work.
    for (let i = 0; i < 3; i++) this.startSession();
    this.step();
  }

  /** Advances the node by one step: sessions come and go, apps load and unload, counters grow. */
  step(): void {
    const rng = this.rng;
    this.steps += 1;

    // Target concurrency follows a slow wave (a working day compressed into ~120 steps).
    const target = Math.round(6 + 5 * Math.sin((this.steps + this.index * 17) / 19));
    this.sessions = this.sessions.filter(() => !rng.chance(0.12));
    while (this.sessions.length < target && rng.chance(0.6)) this.startSession();
    if (rng.chance(0.08)) this.startServiceSession();

    for (const s of this.sessions) {
      if (rng.chance(0.2)) s.appId = rng.chance(0.15) ? null : rng.pick(this.apps).id;
      s.active = rng.chance(0.45);
      if (s.appId) this.inMemory.set(s.appId, this.steps);
    }

    // A scheduled reload now and then keeps an app in memory without any user session.
    if (this.reloadApp === null && rng.chance(0.05)) this.reloadApp = rng.pick(this.apps).id;
    else if (this.reloadApp !== null && rng.chance(0.3)) this.reloadApp = null;
    if (this.reloadApp) this.inMemory.set(this.reloadApp, this.steps);

    // Apps idle for a while are unloaded.
    for (const [id, lastUsed] of this.inMemory) if (this.steps - lastUsed > 8) this.inMemory.delete(id);

    // Session apps (mashups, on-demand apps) live a few steps and are never in the QRS.
    for (const [id, left] of this.sessionApps) {
      if (left <= 1) this.sessionApps.delete(id);
      else this.sessionApps.set(id, left - 1);
    }
    if (rng.chance(0.1)) this.sessionApps.set(`SessionApp_${rng.guid()}`, rng.int(2, 10));

    const activeSessions = this.sessions.filter((s) => s.active && s.appId).length;
    const spike = rng.chance(0.04);
    this.cpu = spike
      ? rng.int(88, 100)
      : Math.min(85, Math.max(0, Math.round(this.cpu * 0.5 + 2 + activeSessions * 4 + rng.int(-2, 4))));

    const appMemory = [...this.inMemory.keys()].reduce(
      (sum, id) => sum + (this.apps.find((a) => a.id === id)?.sizeMb ?? 0),
      0,
    );
    const target_mb = 1500 + appMemory + this.sessionApps.size * 35 + this.sessions.length * 12;
    this.committed = this.committed + (target_mb - this.committed) * 0.6 + rng.next() * 20 - 10;

    const calls = activeSessions * rng.int(20, 250) + rng.int(2, 15);
    const lookups = Math.floor(calls * (0.2 + rng.next() * 0.2));
    const hits = Math.floor(lookups * (0.55 + rng.next() * 0.3));
    const added = lookups - hits;
    this.counters.calls += calls;
    this.counters.selections += activeSessions * rng.int(0, 12);
    this.counters.lookups += lookups;
    this.counters.hits += hits;
    this.counters.added += added;
    this.counters.replaced += Math.floor(added * 0.07);
    this.counters.bytesAdded += added * rng.int(8_000, 120_000);
  }

  private startSession(): void {
    const rng = this.rng;
    // Some users keep a second session (another browser); the default virtual proxy is busiest.
    const user = rng.pick(this.users);
    const vps = this.virtualProxies;
    const virtualProxy = rng.chance(0.65) ? (vps[0] as string) : rng.pick(vps);
    const attributes: Record<string, string>[] = rng.chance(0.4)
      ? []
      : [{ Group: rng.pick(GROUPS) }, { Group: rng.pick(GROUPS) }, { email: `${user.id}@corp.example` }];
    this.sessions.push({
      virtualProxy,
      user,
      sessionId: rng.guid(),
      attributes,
      appId: rng.chance(0.2) ? null : rng.pick(this.apps).id,
      active: false,
    });
  }

  /** Service accounts also hold proxy sessions now and then (as in the reference example). */
  private startServiceSession(): void {
    this.sessions.push({
      virtualProxy: this.virtualProxies[0] as string,
      user: { directory: 'INTERNAL', id: this.rng.pick(['sa_scheduler', 'sa_repository']) },
      sessionId: this.rng.guid(),
      attributes: [],
      appId: null,
      active: false,
    });
  }

  /**
   * Proxy sessions of one virtual proxy, in the response shape of
   * docs/reference/sense-apis.md#proxy-session-response.
   */
  sessionsFor(virtualProxy: string): ProxySessionJson[] {
    return this.sessions
      .filter((s) => s.virtualProxy === virtualProxy)
      .map((s) => ({
        UserDirectory: s.user.directory,
        UserId: s.user.id,
        Attributes: s.attributes,
        SessionId: s.sessionId,
      }));
  }

  health(): HealthcheckJson {
    const withApp = this.sessions.filter((s) => s.appId !== null);
    const active = withApp.filter((s) => s.active);
    const loaded = new Set(withApp.map((s) => s.appId as string));
    if (this.reloadApp) loaded.add(this.reloadApp);
    const sessionApps = [...this.sessionApps.keys()];
    const activeDocs = [...new Set(active.map((s) => s.appId as string))];
    const loadedDocs = [...loaded, ...sessionApps.slice(0, Math.ceil(sessionApps.length / 2))];
    const inMemoryDocs = [...new Set([...this.inMemory.keys(), ...loaded]), ...sessionApps];
    const userKey = (u: SimUser): string => `${u.directory}\\${u.id}`;
    const round = (n: number): number => Math.round(n * 1024) / 1024;
    const committed = round(this.committed);
    const allocated = round(this.committed * 1.065 + 180);
    const free = round(TOTAL_PHYSICAL_MB - allocated);
    return {
      version: ENGINE_VERSION,
      started: longIso8601Date(this.started),
      mem: { committed, allocated, free, totalPhysical: TOTAL_PHYSICAL_MB },
      cpu: { total: this.cpu },
      session: { active: active.length, total: withApp.length + (this.reloadApp ? 1 : 0) },
      apps: {
        active_docs: activeDocs,
        in_memory_docs: inMemoryDocs,
        loaded_docs: loadedDocs,
        calls: this.counters.calls,
        selections: this.counters.selections,
      },
      users: {
        active: new Set(active.map((s) => userKey(s.user))).size,
        total: new Set(withApp.map((s) => userKey(s.user))).size,
      },
      cache: {
        hits: this.counters.hits,
        lookups: this.counters.lookups,
        added: this.counters.added,
        replaced: this.counters.replaced,
        bytes_added: this.counters.bytesAdded,
      },
      saturated: this.cpu >= 90 || free < TOTAL_PHYSICAL_MB * 0.1,
    };
  }

  /** This node's apps as condensed QRS entities (the cluster's QRS lists every node's apps). */
  qrsApps(): QrsAppJson[] {
    return this.apps.map((a) => ({
      id: a.id,
      name: a.name,
      appId: '',
      publishTime: a.publishTime,
      published: a.published,
      stream: a.stream ? { id: a.stream.id, name: a.stream.name, privileges: null } : null,
      savedInProductVersion: ENGINE_VERSION,
      migrationHash: a.migrationHash,
      availabilityStatus: 0,
      privileges: null,
    }));
  }
}
