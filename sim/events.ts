/**
 * Realistic Sense events for the UDP emitter: who did what on which node, rendered with the
 * pure builders of datagrams.ts. Each node has its own row counters per appender (wrapping
 * after 9999, like `%rownum{9999}`), its own users and apps (from the node's model), and a
 * set of open user sessions so that starts, connections and stops come in sensible order.
 */
import {
  engineLogDatagram,
  log4netDate,
  longIso8601Date,
  proxyLogDatagram,
  qixPerfDatagram,
  repositoryLogDatagram,
  schedulerLogDatagram,
  userConnectionDatagram,
  userSessionDatagram,
} from './datagrams.ts';
import { ENGINE_VERSION, type ServerModel, type SimApp, type SimUser } from './model.ts';
import type { Random } from './random.ts';

export const LOG_EVENT_KINDS = ['engine', 'proxy', 'repository', 'scheduler', 'qixPerf'] as const;
export const USER_EVENT_KINDS = ['userSession', 'userConnection'] as const;
export type LogEventKind = (typeof LOG_EVENT_KINDS)[number];
export type UserEventKind = (typeof USER_EVENT_KINDS)[number];

const SERVICE_USER = 'NORTHWIND\\svc_qliksense';

/** Regular log events pass a `warn` threshold: WARN, ERROR and (rarely) FATAL. */
function logLevel(rng: Random): string {
  const r = rng.next();
  return r < 0.7 ? 'WARN' : r < 0.985 ? 'ERROR' : 'FATAL';
}

const USER_AGENTS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.2903.86',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1',
];

/** Engine API methods with the object types they typically touch (qix-perf events). */
const QIX_METHODS: { method: string; objectTypes: string[]; handle: () => number }[] = [
  {
    method: 'GenericObject::GetLayout',
    objectTypes: ['barchart', 'table', 'kpi', 'linechart', 'pivot-table', 'map', 'sheet'],
    handle: () => 1,
  },
  {
    method: 'GenericObject::GetHyperCubeData',
    objectTypes: ['table', 'pivot-table', 'barchart'],
    handle: () => 1,
  },
  { method: 'Doc::GetAppLayout', objectTypes: ['AppPropsList'], handle: () => 1 },
  { method: 'Field::SelectValues', objectTypes: ['<Unknown>'], handle: () => 1 },
  { method: 'Global::OpenApp', objectTypes: ['<Unknown>'], handle: () => -1 },
  { method: 'Doc::CreateSessionObject', objectTypes: ['listbox', 'filterpane'], handle: () => 1 },
];

interface OpenSession {
  user: SimUser;
  proxySessionId: string;
  connections: { sessionId: string; app: SimApp | null }[];
  userAgent: string;
}

interface NodeState {
  model: ServerModel;
  rows: Record<LogEventKind, number>;
  processId: string;
  open: OpenSession[];
}

/** Proxy/repository fields of a message about no particular request or user. */
const NO_REQUEST_DETAILS = {
  exception: '',
  userDirectory: '',
  userId: '',
  command: '',
  result: '',
  origin: '',
  context: '',
} as const;

export class EventFactory {
  private readonly rng: Random;
  private readonly nodes: NodeState[];
  private lastMs = -1;
  private isoText = '';
  private localText = '';
  private engineTs = '';

  constructor(models: ServerModel[], rng: Random) {
    if (models.length === 0) throw new Error('the event factory needs at least one server');
    this.rng = rng;
    this.nodes = models.map((model) => ({
      model,
      rows: { engine: 0, proxy: 0, repository: 0, scheduler: 0, qixPerf: 0 },
      processId: rng.guid(),
      open: [],
    }));
  }

  /** Number of simulated nodes; events from node i go out through source socket i. */
  get nodeCount(): number {
    return this.nodes.length;
  }

  /** Picks the node an event comes from. */
  pickNode(): number {
    return this.rng.int(0, this.nodes.length - 1);
  }

  /** Formats "now" once per millisecond: the emitter sends thousands of events per ms. */
  private clock(): void {
    const now = Date.now();
    if (now === this.lastMs) return;
    this.lastMs = now;
    const d = new Date(now);
    this.isoText = longIso8601Date(d);
    this.localText = log4netDate(d);
    this.engineTs = d.toISOString();
  }

  private head(node: NodeState, kind: LogEventKind, level: string, logger: string) {
    this.clock();
    node.rows[kind] = (node.rows[kind] % 9999) + 1;
    return {
      rownum: node.rows[kind],
      isoDate: this.isoText,
      localDate: this.localText,
      level,
      hostname: node.model.hostName,
      logger,
      serviceUser: SERVICE_USER,
    };
  }

  logEvent(kind: LogEventKind, nodeIndex: number): string {
    const node = this.nodes[nodeIndex] as NodeState;
    switch (kind) {
      case 'engine':
        return this.engine(node);
      case 'proxy':
        return this.proxy(node);
      case 'repository':
        return this.repository(node);
      case 'scheduler':
        return this.scheduler(node);
      case 'qixPerf':
        return this.qixPerf(node);
    }
  }

  /**
   * A user event of the preferred kind. A connection needs an open session, so when the node
   * has none, a session start is produced instead; the kind actually produced is returned.
   */
  userEvent(preferred: UserEventKind, nodeIndex: number): { kind: UserEventKind; datagram: string } {
    const node = this.nodes[nodeIndex] as NodeState;
    if (preferred === 'userConnection' && node.open.length > 0) {
      return { kind: 'userConnection', datagram: this.connection(node) };
    }
    return { kind: 'userSession', datagram: this.session(node) };
  }

  private engine(node: NodeState): string {
    const rng = this.rng;
    const app = rng.pick(node.model.apps);
    const user = rng.pick(node.model.users);
    const withUser = rng.chance(0.6);
    const [logger, message] = rng.pick([
      ['System.Engine.Engine', `App ${app.id} failed to open: access denied`],
      ['System.Engine.Engine', 'Memory limit reached while computing a chart, calculation aborted'],
      ['Performance.Engine.Engine', `Calculation of object in app '${app.name}' exceeded the time limit`],
      [
        'Session.Engine.Engine',
        `Session for user '${user.directory}\\${user.id}' was terminated by the engine`,
      ],
      ['System.Engine.Engine', `Failed to save document '${app.id}': disk full`],
    ] as const);
    return engineLogDatagram({
      ...this.head(node, 'engine', logLevel(rng), logger),
      message,
      proxySessionId: withUser ? rng.guid() : '0',
      activeUserDirectory: withUser ? user.directory : '',
      activeUserId: withUser ? user.id : '',
      engineTimestamp: this.engineTs,
      processId: node.processId,
      exeVersion: ENGINE_VERSION,
      serverStarted: longIso8601Date(node.model.started),
      entryType: rng.pick(['Error', 'Warning']),
      sessionId: withUser ? rng.guid() : '',
      appId: rng.chance(0.8) ? app.id : '',
    });
  }

  private proxy(node: NodeState): string {
    const rng = this.rng;
    const user = rng.pick(node.model.users);
    const app = rng.pick(node.model.apps);
    const variant = rng.int(0, 2);
    const base = this.head(node, 'proxy', logLevel(rng), '');
    if (variant === 0) {
      return proxyLogDatagram({
        ...base,
        logger: 'Audit.Proxy.Proxy.Core.Authorization.AccessControl',
        message: `Access denied for user '${user.directory}\\${user.id}'`,
        exception: '',
        userDirectory: user.directory,
        userId: user.id,
        command: 'Authenticate user',
        result: '403',
        origin: 'AppAccess',
        context: '/hub/',
      });
    }
    if (variant === 1) {
      return proxyLogDatagram({
        ...base,
        logger: 'System.Proxy.Proxy.Core.Forwarding.WebSocketTunnel',
        message: `Could not forward the request to the engine on ${node.model.hostName}`,
        exception: 'System.Net.Http.HttpRequestException: engine answered 502',
        userDirectory: '',
        userId: '',
        command: 'Forward request',
        result: '502',
        origin: 'Not available',
        context: `/app/${app.id}`,
      });
    }
    return proxyLogDatagram({
      ...base,
      logger: 'System.Proxy.Proxy.Certificates.CertificateValidator',
      message: `Client certificate for '${user.directory}\\${user.id}' has expired`,
      ...NO_REQUEST_DETAILS,
    });
  }

  private repository(node: NodeState): string {
    const rng = this.rng;
    const base = this.head(node, 'repository', logLevel(rng), '');
    const variant = rng.int(0, 2);
    if (variant === 0) {
      const other = rng.pick(this.nodes).model.hostName;
      return repositoryLogDatagram({
        ...base,
        logger: 'System.Repository.Repository.Core.ServiceMonitor',
        message: `Node ${other} did not answer the service check on port 4747`,
        exception: 'System.Net.Http.HttpRequestException: connection refused',
        userDirectory: 'INTERNAL',
        userId: 'System',
        command: 'Poll node status',
        result: '500',
        origin: 'Not available',
        context: '/qrs/servicestate',
      });
    }
    if (variant === 1) {
      const user = rng.pick(node.model.users);
      return repositoryLogDatagram({
        ...base,
        logger: 'UserManagement.Repository.Repository.UserDirectoryConnectors.LdapSync',
        message: `User '${user.id}' of directory '${user.directory}' exists twice in the source, skipped`,
        exception: '',
        userDirectory: 'INTERNAL',
        userId: 'sa_repository',
        command: 'Synchronise directory',
        result: '0',
        origin: 'Not available',
        context: '/qrs/userdirectoryconnector/sync',
      });
    }
    return repositoryLogDatagram({
      ...base,
      logger: 'System.Repository.Repository.Licensing',
      message: `License will expire in ${rng.int(1, 30)} days`,
      ...NO_REQUEST_DETAILS,
    });
  }

  private scheduler(node: NodeState): string {
    const rng = this.rng;
    const app = rng.pick(node.model.apps);
    const user = rng.pick(node.model.users);
    const taskId = rng.guid();
    const executionId = rng.guid();
    const base = this.head(node, 'scheduler', logLevel(rng), '');
    const task = { taskName: `Reload of ${app.name}`, appName: app.name, taskId, appId: app.id, executionId };
    const variant = rng.int(0, 2);
    if (variant === 0) {
      return schedulerLogDatagram({
        ...base,
        ...task,
        logger: 'System.Scheduler.Scheduler.Slave.Tasks.ReloadTask',
        message: 'Reload failed: the engine reported a script error',
        exception: '',
        userDirectory: user.directory,
        userId: user.id,
        user: '',
      });
    }
    if (variant === 1) {
      return schedulerLogDatagram({
        ...base,
        ...task,
        logger: 'System.Scheduler.Scheduler.Master.Task.TaskSession',
        message: 'Task ended with status FinishedFail',
        exception: '',
        userDirectory: '',
        userId: '',
        user: `${user.directory}\\${user.id}`,
      });
    }
    return schedulerLogDatagram({
      ...base,
      logger: 'System.Scheduler.Scheduler.Master.Schedule.TriggerEvaluator',
      message: `Trigger '${rng.pick(['Nightly', 'Hourly', 'Month end'])}' could not be evaluated`,
      exception: '',
      userDirectory: '',
      userId: '',
      user: '',
      taskName: '',
      appName: '',
      taskId: '',
      appId: '',
      executionId: '',
    });
  }

  private qixPerf(node: NodeState): string {
    const rng = this.rng;
    const app = rng.pick(node.model.apps);
    // About one in eight requests comes from a scheduled reload (no proxy session).
    const scheduled = rng.chance(0.12);
    const user = rng.pick(node.model.users);
    const m = scheduled ? (QIX_METHODS[4] as (typeof QIX_METHODS)[number]) : rng.pick(QIX_METHODS);
    // Long-tailed timings: most requests take milliseconds, a few take seconds.
    const r = rng.next();
    const process = Math.round((0.5 + r * r * r * r * 4000) * 1000) / 1000;
    const work = Math.round(process * (0.85 + rng.next() * 0.14) * 1000) / 1000;
    const ms = (max: number): number => Math.round(rng.next() * max * 1000) / 1000;
    const objectType = rng.pick(m.objectTypes);
    const netRam = rng.int(0, 4) === 0 ? 0 : rng.int(1, 2048) * 1024;
    return qixPerfDatagram({
      ...this.head(node, 'qixPerf', 'INFO', 'QixPerformance.Engine.Engine'),
      proxySessionId: scheduled ? '0' : rng.guid(),
      activeUserDirectory: scheduled ? 'INTERNAL' : user.directory,
      activeUserId: scheduled ? 'sa_scheduler' : user.id,
      engineTimestamp: this.engineTs,
      sessionId: rng.guid(),
      docId: app.id,
      requestId: rng.int(0, 5000),
      method: m.method,
      processTime: process,
      workTime: work,
      lockTime: ms(2),
      validateTime: ms(5),
      traverseTime: ms(3),
      handle: m.handle() === -1 ? -1 : rng.int(1, 60),
      objectId: objectType === '<Unknown>' || objectType === 'AppPropsList' ? '<Unknown>' : rng.alnum(6),
      netRam,
      peakRam: netRam + rng.int(0, 4096) * 1024,
      objectType,
    });
  }

  private appContext(node: NodeState, app: SimApp): string {
    const uri = encodeURIComponent(`https://${node.model.hostName}/sense/app/${app.id}`);
    return this.rng.chance(0.5) ? `/app/${app.id}?reloaduri=${uri}` : `/app/${app.id}`;
  }

  private uaSuffix(ua: string): string {
    return this.rng.chance(0.8) ? ` UserAgent: '${ua}'` : '';
  }

  /** Session start (while few are open) or stop. */
  private session(node: NodeState): string {
    const rng = this.rng;
    if (node.open.length === 0 || (node.open.length < 40 && rng.chance(0.5))) {
      const open: OpenSession = {
        user: rng.pick(node.model.users),
        proxySessionId: rng.guid(),
        connections: [],
        userAgent: rng.pick(USER_AGENTS),
      };
      node.open.push(open);
      const app = rng.chance(0.6) ? rng.pick(node.model.apps) : null;
      const { user } = open;
      return userSessionDatagram({
        hostname: node.model.hostName,
        command: 'Start session',
        userDirectory: user.directory,
        userId: user.id,
        origin: app ? 'AppAccess' : 'Not available',
        context: app ? this.appContext(node, app) : '/hub/',
        message: `Start session for user '${user.directory}\\${user.id}'${this.uaSuffix(open.userAgent)}`,
      });
    }
    const index = rng.int(0, node.open.length - 1);
    const [closing] = node.open.splice(index, 1) as [OpenSession];
    const { user } = closing;
    const timedOut = rng.chance(0.3);
    return userSessionDatagram({
      hostname: node.model.hostName,
      command: 'Stop session',
      userDirectory: user.directory,
      userId: user.id,
      origin: 'Not available',
      context: '/qps/session',
      message: `Stop session for user '${user.directory}\\${user.id}'${timedOut ? '; reason: session timed out' : ''}`,
    });
  }

  /** Connection open (to an app or the hub) or close, within an open session (there is one). */
  private connection(node: NodeState): string {
    const rng = this.rng;
    const session = rng.pick(node.open);
    const { user } = session;
    const common = { hostname: node.model.hostName, userDirectory: user.directory, userId: user.id };
    if (session.connections.length > 0 && rng.chance(0.5)) {
      const [closing] = session.connections.splice(rng.int(0, session.connections.length - 1), 1) as [
        OpenSession['connections'][number],
      ];
      return userConnectionDatagram({
        ...common,
        command: 'Close connection',
        origin: closing.app ? 'AppAccess' : 'Not available',
        context: closing.app ? `/app/${closing.app.id}` : '/hub/',
        message: `Websocket connection Closed for session '${session.proxySessionId}'`,
      });
    }
    const app = rng.chance(0.75) ? rng.pick(node.model.apps) : null;
    session.connections.push({ sessionId: rng.guid(), app });
    return userConnectionDatagram({
      ...common,
      command: 'Open connection',
      origin: 'AppAccess',
      context: app ? this.appContext(node, app) : '/hub/',
      message: `Websocket connection Opened for session '${session.proxySessionId}'${this.uaSuffix(session.userAgent)}`,
    });
  }
}
