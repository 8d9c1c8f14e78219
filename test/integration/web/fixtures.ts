/**
 * Test data for the web UI tests: a store filled with the measurements the pipeline writes
 * (docs/reference/influxdb.md#measurements), an agent status and a config with secrets in it.
 */
import type { InfluxPoint } from '../../../src/mapping/shapes.ts';
import type { WebStatus } from '../../../src/web/status.ts';

export const SERVERS = ['sense1', 'sense2', 'sense3'];

const st = (server: string) => ({
  host: `${server}.corp.local`,
  server_name: server,
  server_description: `Node ${server}`,
});

/** Engine health and proxy session points every 30 s over the last `minutes`. */
export function healthPoints(nowMs: number, minutes: number): InfluxPoint[] {
  const out: InfluxPoint[] = [];
  SERVERS.forEach((server, s) => {
    let hits = 1000;
    let lookups = 2000;
    for (let t = nowMs - minutes * 60_000; t <= nowMs; t += 30_000) {
      const k = (t / 30_000) % 100;
      hits += 40 + s * 10;
      lookups += 60;
      const tags = st(server);
      const f = (value: number, type: 'float' | 'integer' = 'float') => ({ type, value });
      out.push(
        {
          measurement: 'mem',
          tags,
          fields: {
            comitted: f(2000 + s * 100 + k),
            allocated: f(1500 + s * 200 + k * 2),
            free: f(14_000 - k),
          },
          timeMs: t,
        },
        { measurement: 'cpu', tags, fields: { total: f(10 + s * 15 + (k % 20)) }, timeMs: t },
        {
          measurement: 'session',
          tags,
          fields: { active: f(5 + s, 'integer'), total: f(9 + s, 'integer') },
          timeMs: t,
        },
        {
          measurement: 'users',
          tags,
          fields: { active: f(3 + s, 'integer'), total: f(4 + s, 'integer') },
          timeMs: t,
        },
        {
          measurement: 'apps',
          tags,
          fields: {
            active_docs_count: f(2, 'integer'),
            loaded_docs_count: f(4 + s + (k % 3), 'integer'),
            in_memory_docs_count: f(6, 'integer'),
          },
          timeMs: t,
        },
        {
          measurement: 'cache',
          tags,
          fields: {
            hits: f(hits, 'integer'),
            lookups: f(lookups, 'integer'),
            added: f(5, 'integer'),
            replaced: f(1, 'integer'),
            bytes_added: f(1024, 'integer'),
          },
          timeMs: t,
        },
        {
          measurement: 'saturated',
          tags,
          fields: { saturated: { type: 'boolean', value: s === 2 && k % 10 === 0 } },
          timeMs: t,
        },
        {
          measurement: 'user_session_summary',
          tags: { ...tags, user_session_virtual_proxy: '/', user_session_host: `${server}.corp.local:4243` },
          fields: {
            session_count: f(2 + s + (k % 4), 'integer'),
            session_user_id_list: { type: 'string', value: '' },
          },
          timeMs: t,
        },
      );
    }
  });
  return out;
}

const MESSAGES = [
  ['WARN', 'qseow-proxy', 'Disk space low on D: (8% free)'],
  ['ERROR', 'qseow-repository', 'Database connection lost, retrying'],
  ['ERROR', 'qseow-engine', 'Failed to open app: access denied'],
  ['FATAL', 'qseow-scheduler', 'Task engine crashed'],
  ['WARN', 'qseow-engine', 'Slow response from data source'],
] as const;

export function logEventPoints(nowMs: number, count: number): InfluxPoint[] {
  const out: InfluxPoint[] = [];
  for (let i = 0; i < count; i++) {
    const [level, source, message] = MESSAGES[i % MESSAGES.length]!;
    const server = SERVERS[i % SERVERS.length]!;
    out.push({
      measurement: 'log_event',
      tags: {
        host: `${server}.corp.local`,
        level,
        source,
        log_row: String(i),
        subsystem: `System.${source}`,
      },
      fields: { message: { type: 'string', value: `${message} #${i}` } },
      timeMs: nowMs - (count - i) * 1000,
    });
  }
  return out;
}

export function userEventPoints(nowMs: number, count: number): InfluxPoint[] {
  const actions = ['Start session', 'Open connection', 'Close connection', 'Stop session'];
  const out: InfluxPoint[] = [];
  for (let i = 0; i < count; i++) {
    const user = `user${i % 7}`;
    out.push({
      measurement: 'user_events',
      tags: {
        host: `${SERVERS[i % 3]}.corp.local`,
        event_action: actions[i % actions.length],
        userFull: `CORP\\${user}`,
        userDirectory: 'CORP',
        userId: user,
        origin: 'AppAccess',
        appId: 'f1a2b3c4-0000-4000-8000-000000000001',
        appName: i % 2 === 0 ? 'Freight costs 2025' : 'HR analytics',
        uaBrowserName: 'Chrome',
        uaBrowserMajorVersion: '120',
      },
      fields: {
        userFull: { type: 'string', value: `CORP\\${user}` },
        userId: { type: 'string', value: user },
        appName: { type: 'string', value: i % 2 === 0 ? 'Freight costs 2025' : 'HR analytics' },
      },
      timeMs: nowMs - (count - i) * 2000,
    });
  }
  return out;
}

/** Secrets planted in the status and config: none may ever reach a page or API answer. */
export const SECRETS = [
  'SuperSecretInflux1',
  'NRAK-LEAKED-HEADER',
  'pass-phrase-LEAK',
  'INSERTKEY-LEAK-123',
  'v2-token-LEAK',
  'sa_repository_LEAK',
  'Pa55w0rd-in-url',
];

export function agentStatus(nowMs: number): WebStatus {
  return {
    version: '0.1.0',
    servers: [
      {
        serverName: 'sense1',
        state: 'up',
        lastError: null,
        lastPollAt: new Date(nowMs - 5000).toISOString(),
      },
      {
        serverName: 'sense2',
        state: 'failing',
        lastError: 'connect ECONNREFUSED 10.0.0.2:4747',
        lastPollAt: new Date(nowMs - 4000).toISOString(),
      },
      { serverName: 'sense3', state: 'up', lastError: null, lastPollAt: nowMs - 3000 },
    ],
    destinations: [
      {
        name: 'influxdb',
        queued: 120,
        inFlight: 50,
        spooled: 3000,
        overflowed: 3000,
        delivered: 98_000,
        retried: 7,
        dropped: { queue_full: 3, rejected: 1 },
        lastError: {
          message: 'POST http://butler:Pa55w0rd-in-url@influx.corp:8086/write failed: ECONNREFUSED',
          at: new Date(nowMs - 60_000).toISOString(),
        },
      },
      { name: 'mqtt', queued: 0, inFlight: 0, spooled: 0, delivered: 5000, retried: 0, dropped: {} },
    ],
  };
}

/** A config as the agent passes it, but with secrets the upstream masking rules would leave readable. */
export function leakyConfig(): unknown {
  return {
    'Butler-SOS': {
      logLevel: 'info',
      configVisualisation: { enable: true, host: 'loc**********', port: 3100, obfuscate: true },
      newRelic: {
        enable: true,
        metric: {
          url: 'https://insights-collector.eu01.nr-data.net/metric/v1',
          header: [{ name: 'X-My-Header', value: 'NRAK-LEAKED-HEADER' }],
        },
      },
      thirdPartyToolsCredentials: {
        newRelic: [{ accountName: 'First', insertApiKey: 'INSERTKEY-LEAK-123', accountId: 123 }],
      },
      cert: {
        clientCert: '/nodeapp/con**********',
        clientCertPassphrase: 'pass-phrase-LEAK',
      },
      influxdbConfig: {
        enable: true,
        host: 'inf**********',
        v1Config: {
          auth: { enable: true, username: 'adm**********', password: 'SuperSecretInflux1' },
          dbName: 'senseops',
        },
        v2Config: { org: 'myo**********', token: 'v2-token-LEAK', bucket: 'mybucket' },
      },
      serversToMonitor: {
        pollingInterval: 30000,
        servers: [
          {
            host: 'sen**********',
            serverName: 'sense1',
            headers: { 'X-Qlik-User': 'UserDirectory=Internal;UserId=sa_repository_LEAK' },
            serverTags: { serverGroup: 'DEV' },
          },
        ],
      },
      heartbeat: {
        enable: false,
        remoteURL: 'http://my.monitoring.server/some/path/',
        frequency: 'every 1 hour',
      },
      note: 'angle <script>alert(1)</script> brackets & "quotes"',
    },
  };
}
