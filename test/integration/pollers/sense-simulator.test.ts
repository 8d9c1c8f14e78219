/**
 * The pollers against the Sense simulator (sim/): 3 nodes × 2 virtual proxies over mutual
 * TLS, then every failure mode the simulator offers, classified and recovered from.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createForeignClientCertificate, type RunningSimulator, startSimulator } from '../../../sim/index.ts';
import { createRecordingLogger } from '../../../src/logging/logger.ts';
import { engineHealthToInflux, engineHealthToPrometheus } from '../../../src/mapping/engine-health.ts';
import { proxySessionsToInflux } from '../../../src/mapping/proxy-sessions.ts';
import type { EngineHealthRecord } from '../../../src/records/engine-health.ts';
import type { FailedPollRecord } from '../../../src/records/failed-poll.ts';
import type { ProxySessionsRecord } from '../../../src/records/proxy-sessions.ts';
import {
  type SensePollingOptions,
  type SensePollRecord,
  startSensePolling,
} from '../../../src/sources/sense-polls/polling.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until(check: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

describe('Sense pollers against the simulator', () => {
  let dir: string;
  let sim: RunningSimulator;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'poll-sim-'));
    sim = await startSimulator({
      certDir: join(dir, 'certs'),
      servers: 3,
      virtualProxies: ['/', '/hdr'],
      enginePort: 0,
      proxyPort: 0,
      qrsPort: 0,
      seed: 7,
    });
  });
  after(async () => {
    await sim.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  function options(
    records: SensePollRecord[],
    overrides: Partial<SensePollingOptions> = {},
  ): SensePollingOptions {
    return {
      servers: sim.servers.map((s) => ({
        host: s.engineHost,
        serverName: s.serverName,
        serverDescription: `Node ${s.serverName}`,
        userSessions: {
          enable: true,
          host: s.proxyHost,
          virtualProxies: s.virtualProxies.map((virtualProxy) => ({ virtualProxy })),
        },
        serverTags: { env: 'SIM' },
        headers: null,
      })),
      cert: sim.certFiles,
      pollingIntervalMs: 150,
      // The simulator's certificate names 127.0.0.1, so verification stays on.
      rejectUnauthorized: true,
      userSessions: { enableSessionExtract: true, pollingInterval: 150, excludeUser: null },
      appNames: { enableAppNameExtract: true, extractInterval: 150, hostIP: sim.qrsHost },
      onRecord: (r) => records.push(r),
      log: createRecordingLogger(),
      requestTimeoutMs: 400,
      ...overrides,
    };
  }

  it('polls every node and virtual proxy and resolves app names from the QRS', async () => {
    const records: SensePollRecord[] = [];
    const polling = startSensePolling(options(records));
    const health = () => records.filter((r): r is EngineHealthRecord => r.kind === 'engine-health');
    const sessions = () => records.filter((r): r is ProxySessionsRecord => r.kind === 'proxy-sessions');
    await until(
      () =>
        new Set(
          health()
            .filter((h) => h.apps.inMemoryDocs.ids.length > 0 && polling.appNames.size > 0)
            .map((h) => h.server.serverName),
        ).size === 3 && new Set(sessions().map((s) => `${s.server.serverName}${s.virtualProxy}`)).size === 6,
      'health of 3 nodes and sessions of 6 virtual proxies',
    );
    const firstLoad = polling.stats().appNames.loadedAtMs;
    await until(
      () => health().some((h) => h.timeMs > firstLoad && h.apps.inMemoryDocs.ids.length > 0),
      'a health poll after the app list',
    );
    await polling.stop();

    assert.equal(records.filter((r) => r.kind === 'failed-poll').length, 0, 'no failed polls');
    const allApps = new Map(sim.servers.flatMap((s) => s.apps.map((a) => [a.id, a.name] as const)));
    assert.equal(polling.stats().appNames.size, allApps.size);

    const h = health().find(
      (r) => r.timeMs > firstLoad && r.apps.inMemoryDocs.ids.length > 0,
    ) as EngineHealthRecord;
    for (const id of h.apps.inMemoryDocs.ids) {
      if (id.startsWith('SessionApp')) assert.ok(h.apps.inMemoryDocs.sessionApps.includes(id));
      else assert.ok(h.apps.inMemoryDocs.names.includes(allApps.get(id) ?? id));
    }
    assert.match(h.version ?? '', /^\d+\.\d+/);
    assert.ok(
      typeof h.mem.committed === 'number' &&
        typeof h.cache.hits === 'number' &&
        typeof h.saturated === 'boolean',
    );
    assert.match(h.uptime, /^\d+ days, \d+h \d\dm \d\ds$/);

    // The records map to the upstream shapes.
    const points = engineHealthToInflux(h, 1, {
      influxdbConfig: {
        enable: true,
        includeFields: { activeDocs: true, loadedDocs: true, inMemoryDocs: true },
      },
      appNames: { enableAppNameExtract: true },
    });
    assert.deepEqual(
      points.map((p) => p.measurement),
      ['sense_server', 'mem', 'apps', 'cpu', 'session', 'users', 'cache', 'saturated'],
    );
    assert.equal(engineHealthToPrometheus(h).samples.length, 20);
    const s = sessions()[0] as ProxySessionsRecord;
    const sessionPoints = proxySessionsToInflux(s, 2, { influxdbConfig: { enable: true } });
    assert.equal(sessionPoints.length, 2 + s.sessions.length);
    assert.equal(s.sessionCount, s.raw.length);
  });

  const modes = [
    ['refuse', 'refused'],
    ['timeout', 'timeout'],
    ['http500', 'http_status'],
    ['badjson', 'bad_body'],
  ] as const;
  for (const [mode, reason] of modes) {
    it(`classifies simulator failure "${mode}" as ${reason}, logs once, and recovers`, async () => {
      const target = sim.servers[1];
      assert.ok(target);
      const records: SensePollRecord[] = [];
      const log = createRecordingLogger();
      await target.setFailure(mode);
      const polling = startSensePolling(options(records, { log }));
      const failures = () =>
        records.filter(
          (r): r is FailedPollRecord => r.kind === 'failed-poll' && r.serverName === target.serverName,
        );
      await until(
        () => failures().filter((f) => f.pollKind === 'health').length >= 2,
        `two failed health polls (${mode})`,
      );
      await target.setFailure(null);
      await until(
        () =>
          log.lines.some(
            (l) => l.message.startsWith(`HEALTH: ${target.serverName}`) && l.message.includes('recovered'),
          ),
        `recovery (${mode})`,
      );
      await polling.stop();
      assert.ok(
        failures().every((f) => f.failure.reason === reason),
        JSON.stringify(failures().map((f) => f.failure)),
      );
      assert.ok(failures().some((f) => f.pollKind === 'proxy-sessions' && f.virtualProxy !== undefined));
      const healthErrors = log.lines.filter(
        (l) => l.level === 'error' && l.message.startsWith(`HEALTH: ${target.serverName}`),
      );
      assert.equal(healthErrors.length, 1, 'logged once per state change');
      // The other nodes were polled normally meanwhile.
      const others = records.filter(
        (r) => r.kind === 'engine-health' && r.server.serverName !== target.serverName,
      );
      assert.ok(others.length >= 4);
      const stats = polling.stats().failures.byServer[target.serverName];
      assert.ok((stats?.[reason] ?? 0) >= 2);
    });
  }

  it('reports a client certificate from a foreign CA as a TLS failure', async () => {
    const foreign = await createForeignClientCertificate(join(dir, 'foreign'));
    const records: SensePollRecord[] = [];
    const polling = startSensePolling(
      options(records, { cert: { ...foreign, clientCertCA: sim.certFiles.clientCertCA }, runAtStart: true }),
    );
    await until(
      () => records.filter((r) => r.kind === 'failed-poll' && r.pollKind === 'health').length >= 3,
      'TLS failures',
    );
    await polling.stop();
    const reasons = new Set(
      records.filter((r): r is FailedPollRecord => r.kind === 'failed-poll').map((r) => r.failure.reason),
    );
    assert.deepEqual([...reasons], ['tls']);
  });

  it('reports a server certificate from the wrong CA as a TLS failure', async () => {
    const foreign = await createForeignClientCertificate(join(dir, 'foreign2'));
    const records: SensePollRecord[] = [];
    const polling = startSensePolling(
      options(records, { cert: { ...sim.certFiles, clientCertCA: foreign.clientCertCA } }),
    );
    await until(
      () => records.filter((r) => r.kind === 'failed-poll' && r.pollKind === 'health').length >= 3,
      'TLS failures',
    );
    await polling.stop();
    const health = records.filter(
      (r): r is FailedPollRecord => r.kind === 'failed-poll' && r.pollKind === 'health',
    );
    assert.ok(health.every((f) => f.failure.reason === 'tls'));
    // The QRS call does not verify the server, so app names still load.
    assert.ok(records.some((r) => r.kind === 'app-names'));
  });
});
