/**
 * A simulated Audit.qs extension: users of the simulated cluster work in its apps and their
 * browsers post the audit events an Audit.qs 0.4 extension sends to Butler SOS's audit API.
 * A session opens an app, loads sheets, shows objects, makes selections (each confirmed by
 * `app.model.validated`), watches objects for a while (`object.view.duration` with the
 * object's data), now and then bookmarks, hits an unsupported visualization or captures a
 * screenshot (its URL pointing at the simulator's content server when there is one).
 */
import { Agent, request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Random } from './random.ts';

export interface AuditTarget {
  /** `http(s)://host:port` of the audit API. */
  origin: string;
  /** `auditEvents.apiToken` ('' for none). */
  token: string;
  /** Accept the API's certificate without checking it (the demo's own). */
  insecure?: boolean;
}

export interface AuditClientOptions {
  target: AuditTarget;
  /** Events per second (0: only on request). */
  rate: number;
  users: { directory: string; id: string }[];
  apps: { id: string; name: string }[];
  /** Where screenshot URLs point (the content server's origin), if anywhere. */
  screenshotOrigin?: string;
}

export interface AuditClient {
  /** Sends `n` events now (the next steps of the running sessions). */
  send(n: number): Promise<void>;
  /** Answers by status code so far. */
  stats(): Record<string, number>;
  stop(): Promise<void>;
}

const SHEETS = ['Overview', 'Sales by region', 'Cash flow', 'Top customers', 'Trends', 'Details'];
const FIELDS: [string, string[]][] = [
  ['Region', ['North', 'South', 'East', 'West']],
  ['Quarter', ['Q1', 'Q2', 'Q3', 'Q4']],
  ['Product', ['Bikes', 'Helmets', 'Gloves', 'Lights']],
  ['Year', ['2024', '2025', '2026']],
];
const OBJECT_TYPES = ['barchart', 'linechart', 'table', 'kpi', 'piechart', 'pivot-table'];

interface Session {
  user: { directory: string; id: string };
  app: { id: string; name: string };
  sheet: string;
  sheetId: string;
  txn: string;
  steps: number;
}

export function startAuditClient(options: AuditClientOptions, rng: Random): AuditClient {
  const sessions: Session[] = [];
  const counts: Record<string, number> = {};
  const keepAlive = new Agent({ keepAlive: true, maxSockets: 8 });
  const pending = new Set<Promise<void>>();
  const { origin } = options.target;
  const url = new URL('/api/v1/audit-event', origin);

  const newSession = (): Session => ({
    user: rng.pick(options.users),
    app: rng.pick(options.apps),
    sheet: rng.pick(SHEETS),
    sheetId: rng.alnum(6),
    txn: rng.guid(),
    steps: 0,
  });

  function envelope(session: Session, type: string, event: Record<string, unknown>): Record<string, unknown> {
    return {
      schemaVersion: 1,
      eventId: rng.guid(),
      correlationId: session.txn,
      timestamp: new Date().toISOString(),
      type,
      source: { kind: 'qlik-sense-extension', name: 'audit-qs', version: '0.4.0' },
      payload: {
        context: {
          appId: session.app.id,
          appName: session.app.name.slice(0, 64),
          sheetId: session.sheetId,
          sheetName: session.sheet,
          user: `UserDirectory=${session.user.directory}; UserId=${session.user.id}`,
          userAgent: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/126.0 Safari/537.36',
        },
        event,
      },
    };
  }

  /** The next thing a user does in a session. */
  function step(session: Session): Record<string, unknown> {
    session.steps++;
    const objectId = rng.alnum(6);
    const roll = rng.next();
    if (session.steps === 1 || roll < 0.12) {
      session.sheet = rng.pick(SHEETS);
      session.sheetId = rng.alnum(6);
      return envelope(session, 'navigation.sheet.loaded', { selectionTxnId: session.txn });
    }
    if (roll < 0.35) {
      session.txn = rng.guid();
      const [field, values] = rng.pick(FIELDS);
      const picked = values.filter(() => rng.chance(0.4));
      const details = [
        {
          qField: field,
          qSelectedCount: Math.max(1, picked.length),
          qSelected: (picked[0] ?? values[0]) as string,
          qLocked: false,
        },
      ];
      return envelope(session, 'selection.state.changed', { selectionTxnId: session.txn, details });
    }
    if (roll < 0.45)
      return envelope(session, 'app.model.validated', {
        selectionTxnId: session.txn,
        dataStateId: Date.now(),
        captureScheduled: false,
      });
    if (roll < 0.6)
      return envelope(session, 'object.visibility.changed', {
        objectId,
        visible: true,
        selectionTxnId: session.txn,
      });
    if (roll < 0.88) {
      const duration = rng.int(800, 45_000);
      const objectType = rng.pick(OBJECT_TYPES);
      return envelope(session, 'object.view.duration', {
        objectId,
        duration,
        enteredAt: new Date(Date.now() - duration).toISOString(),
        leftAt: new Date().toISOString(),
        visible: rng.chance(0.5),
        selectionTxnId: session.txn,
        dataStateId: Date.now(),
        objectData: {
          schemaVersion: 1,
          objectType,
          dimensions: [{ fieldName: 'Month', label: 'Month', values: ['Jan', 'Feb', 'Mar'] }],
          measures: [
            {
              label: 'Sales',
              values: [String(rng.int(100, 9000)), String(rng.int(100, 9000)), String(rng.int(100, 9000))],
            },
          ],
        },
      });
    }
    if (roll < 0.93)
      return envelope(session, 'event.bookmark', {
        bookmarkId: rng.alnum(8),
        title: 'My selections',
        selectionTxnId: session.txn,
      });
    if (roll < 0.96 && options.screenshotOrigin) {
      return envelope(session, 'screenshot.url.received', {
        screenshotUrl: `${options.screenshotOrigin}/tempcontent/${rng.alnum(8)}/${objectId}.png?serverNodeId=${rng.alnum(4)}`,
        objectId,
        selectionTxnId: session.txn,
        dataStateId: Date.now(),
      });
    }
    return envelope(session, 'event.unsupported.visualization', {
      vizType: 'extension-map',
      objectId,
      title: 'Store map',
      trigger: 'render',
      selectionTxnId: session.txn,
    });
  }

  function post(body: string): Promise<void> {
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const work = new Promise<void>((resolve) => {
      const req = send(
        url,
        {
          method: 'POST',
          ...(url.protocol === 'http:'
            ? { agent: keepAlive }
            : { rejectUnauthorized: !options.target.insecure }),
          headers: {
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(body),
            'x-audit-qs-version': '0.4.0',
            ...(options.target.token ? { authorization: `Bearer ${options.target.token}` } : {}),
          },
          timeout: 10_000,
        },
        (res) => {
          res.resume();
          res.on('end', () => {
            const key = String(res.statusCode);
            counts[key] = (counts[key] ?? 0) + 1;
            resolve();
          });
        },
      );
      req.on('timeout', () => req.destroy());
      req.on('error', () => {
        counts.failed = (counts.failed ?? 0) + 1;
        resolve();
      });
      req.end(body);
    });
    pending.add(work);
    void work.finally(() => pending.delete(work));
    return work;
  }

  function next(): Promise<void> {
    if (sessions.length < 4 || rng.chance(0.05)) sessions.push(newSession());
    const index = rng.int(0, sessions.length - 1);
    const session = sessions[index]!;
    const body = JSON.stringify(step(session));
    if (session.steps > 40 && rng.chance(0.2)) sessions.splice(index, 1);
    return post(body);
  }

  let carry = 0;
  const timer =
    options.rate > 0
      ? setInterval(() => {
          carry += options.rate / 4;
          for (; carry >= 1; carry--) void next();
        }, 250)
      : undefined;

  return {
    async send(n) {
      await Promise.all(Array.from({ length: n }, () => next()));
    },
    stats: () => ({ ...counts }),
    async stop() {
      if (timer) clearInterval(timer);
      await Promise.allSettled([...pending]);
      keepAlive.destroy();
    },
  };
}
