import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { createRecordingLogger } from '../../../../src/logging/logger.ts';
import type { EngineHealthRecord } from '../../../../src/records/engine-health.ts';
import type { FailedPollRecord } from '../../../../src/records/failed-poll.ts';
import type { ProxySessionsRecord } from '../../../../src/records/proxy-sessions.ts';
import { type SensePollRecord, startSensePolling } from '../../../../src/sources/sense-polls/polling.ts';
import { startTestHttpsServer, type TestHttpsServer } from '../../sense/https-test-server.ts';
import { createTestPki, type TestPki } from '../../sense/test-certs.ts';

/** The text of a Sense API answer from test/fixtures/sense/, served as is. */
const fixture = (name: string) =>
  readFileSync(new URL(`../../../fixtures/sense/${name}.json`, import.meta.url), 'utf8');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(check: () => boolean, timeoutMs = 3000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await sleep(10);
  }
}

describe('startSensePolling against a local HTTPS Sense stand-in', () => {
  let pki: TestPki;
  let sense: TestHttpsServer;
  let healthStatus = 200;
  let qrsStatus = 200;

  before(async () => {
    pki = createTestPki();
    sense = await startTestHttpsServer(pki, (req, res) => {
      const url = new URL(req.url ?? '/', 'https://x');
      const send = (status: number, body: string) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(body);
      };
      if (url.pathname === '/engine/healthcheck') return send(healthStatus, fixture('engine-healthcheck'));
      if (url.pathname === '/qps/session' || url.pathname === '/qps/hdr/session')
        return send(200, fixture('proxy-sessions'));
      if (url.pathname === '/qrs/app') return send(qrsStatus, fixture('qrs-apps'));
      send(404, '{}');
    });
  });
  after(async () => {
    await sense.close();
    pki.cleanup();
  });

  function start(records: SensePollRecord[], log = createRecordingLogger()) {
    return startSensePolling({
      servers: [
        {
          host: `127.0.0.1:${sense.port}`,
          serverName: 'sense1',
          serverDescription: 'Central node',
          userSessions: {
            enable: true,
            host: `127.0.0.1:${sense.port}`,
            virtualProxies: [{ virtualProxy: '/' }, { virtualProxy: '/hdr' }, { virtualProxy: '/missing' }],
          },
          serverTags: { env: 'TEST' },
          headers: { 'X-Qlik-User': 'UserDirectory=INTERNAL; UserId=sa_api', 'Cache-Control': 'max-age=0' },
        },
      ],
      cert: pki.files,
      pollingIntervalMs: 100,
      rejectUnauthorized: true,
      userSessions: {
        enableSessionExtract: true,
        pollingInterval: 100,
        excludeUser: [{ directory: 'INTERNAL', userId: 'sa_api' }],
      },
      appNames: { enableAppNameExtract: true, extractInterval: 100, hostIP: `127.0.0.1:${sense.port}` },
      onRecord: (r) => records.push(r),
      log,
    });
  }

  it('polls health, proxy sessions per virtual proxy and app names, with upstream headers', async () => {
    const records: SensePollRecord[] = [];
    sense.requests.length = 0;
    const polling = start(records);
    // A health poll after the app names arrived has names resolved.
    await until(() =>
      records.some(
        (r) => r.kind === 'engine-health' && r.apps.activeDocs.names[0] === 'Anomaly watch - pumps',
      ),
    );
    await polling.stop();

    const health = records.find((r): r is EngineHealthRecord => r.kind === 'engine-health');
    assert.deepEqual(health?.server.tags, {
      host: '127.0.0.1',
      server_name: 'sense1',
      server_description: 'Central node',
      env: 'TEST',
    });
    assert.equal(health?.cache.bytesAdded, 418906112);

    const sessions = records.filter((r): r is ProxySessionsRecord => r.kind === 'proxy-sessions');
    assert.deepEqual(new Set(sessions.map((s) => s.virtualProxy)), new Set(['/', '/hdr']));
    assert.equal(sessions[0]?.sessionCount, 5);
    assert.equal(sessions[0]?.sessions.length, 4);
    assert.equal(sessions[0]?.userSessionHost, `127.0.0.1:${sense.port}`);

    const failed = records.filter((r): r is FailedPollRecord => r.kind === 'failed-poll');
    assert.ok(failed.length >= 1);
    assert.ok(failed.every((f) => f.virtualProxy === '/missing' && f.failure.httpStatus === 404));

    const healthReq = sense.requests.find((r) => r.url === '/engine/healthcheck');
    assert.equal(healthReq?.headers['x-qlik-user'], 'UserDirectory=INTERNAL; UserId=sa_api');
    assert.equal(healthReq?.headers['cache-control'], 'max-age=0', 'custom header overrides the built-in');
    assert.equal(healthReq?.headers['content-type'], 'application/json');
    assert.equal(healthReq?.clientCN, 'QlikClient');

    const proxyReq = sense.requests.find((r) => r.url.startsWith('/qps/hdr/session'));
    assert.equal(proxyReq?.url, '/qps/hdr/session?Xrfkey=abcdefghij987654');
    assert.equal(proxyReq?.headers['x-qlik-xrfkey'], 'abcdefghij987654');
    assert.equal(proxyReq?.headers.xvirtualproxy, '/hdr');
    assert.equal(proxyReq?.headers['x-qlik-user'], undefined, 'no custom headers on proxy calls');

    const qrsReq = sense.requests.find((r) => r.url.startsWith('/qrs/app'));
    const key = new URL(qrsReq?.url ?? '', 'https://x').searchParams.get('xrfkey');
    assert.match(key ?? '', /^[0-9a-zA-Z]{16}$/);
    assert.equal(qrsReq?.headers['x-qlik-xrfkey'], key);
    assert.equal(qrsReq?.headers['x-qlik-user'], 'UserDirectory=Internal; UserId=sa_repository');

    const stats = polling.stats();
    assert.equal(stats.appNames.size, 3);
    assert.equal(polling.appNames.nameOf('3f6d2a90-1c4b-4e7a-9b25-7e8c0d41a6f3'), 'Warehouse throughput');
    assert.ok((stats.failures.byServer.sense1?.http_status ?? 0) >= 1);
    assert.ok((stats.jobs['health:0:sense1']?.runs ?? 0) >= 1);
  });

  it('emits failed polls while the engine answers 500, logs once, and logs the recovery', async () => {
    const records: SensePollRecord[] = [];
    const log = createRecordingLogger();
    healthStatus = 500;
    const polling = start(records, log);
    await until(() => records.filter((r) => r.kind === 'failed-poll' && r.pollKind === 'health').length >= 3);
    healthStatus = 200;
    await until(() =>
      log.lines.some((l) => l.message.startsWith('HEALTH: sense1') && l.message.includes('recovered')),
    );
    await polling.stop();
    const healthErrors = log.lines.filter(
      (l) => l.level === 'error' && l.message.startsWith('HEALTH: sense1'),
    );
    assert.equal(healthErrors.length, 1);
    assert.match(healthErrors[0]?.message ?? '', /http_status.*500/);
    const failure = records.find(
      (r): r is FailedPollRecord => r.kind === 'failed-poll' && r.pollKind === 'health',
    );
    assert.equal(failure?.serverName, 'sense1');
    assert.equal(failure?.failure.httpStatus, 500);
    assert.equal(failure?.server?.tags.env, 'TEST');
  });

  it('keeps the last good app list when the QRS fails', async () => {
    const records: SensePollRecord[] = [];
    qrsStatus = 200;
    const polling = start(records);
    await until(() => records.some((r) => r.kind === 'app-names'));
    qrsStatus = 503;
    await until(() => records.some((r) => r.kind === 'failed-poll' && r.pollKind === 'app-names'));
    await polling.stop();
    qrsStatus = 200;
    const failure = records.find(
      (r): r is FailedPollRecord => r.kind === 'failed-poll' && r.pollKind === 'app-names',
    );
    assert.equal(failure?.failure.httpStatus, 503);
    assert.equal(failure?.host, `127.0.0.1:${sense.port}`);
    assert.equal(polling.appNames.size, 3);
    assert.equal(polling.appNames.nameOf('b84e17c2-5a09-4d3e-8f61-2c9a7b3e05d4'), 'Anomaly watch - pumps');
  });

  it('keeps polling when the record handler throws', async () => {
    const log = createRecordingLogger();
    let calls = 0;
    const polling = startSensePolling({
      servers: [{ host: `127.0.0.1:${sense.port}`, serverName: 's', serverDescription: 'd' }],
      cert: pki.files,
      pollingIntervalMs: 30,
      rejectUnauthorized: true,
      userSessions: { enableSessionExtract: false, pollingInterval: 30 },
      appNames: { enableAppNameExtract: false, extractInterval: 30, hostIP: 'unused' },
      onRecord: () => {
        calls++;
        throw new Error('consumer bug');
      },
      log,
    });
    await until(() => calls >= 3);
    await polling.stop();
    assert.ok(polling.stats().handlerErrors >= 3);
  });

  it('treats a null server list as empty and says so', async () => {
    const log = createRecordingLogger();
    const polling = startSensePolling({
      servers: null,
      cert: pki.files,
      pollingIntervalMs: 30,
      rejectUnauthorized: true,
      userSessions: { enableSessionExtract: true, pollingInterval: 30 },
      appNames: { enableAppNameExtract: false, extractInterval: 30, hostIP: 'unused' },
      onRecord: () => {},
      log,
    });
    await polling.stop();
    assert.deepEqual(polling.stats().jobs, {});
    assert.ok(log.lines.some((l) => l.level === 'warn' && l.message.includes('servers is empty')));
  });
});
