/**
 * No secret leaves the agent, whatever a destination or a Sense server answers. The agent runs
 * as a process with InfluxDB v1 (basic auth) and New Relic pointed at a local server that
 * refuses every request with 401 and echoes the credentials it was sent (as some proxies and
 * misconfigured servers do), the New Relic key placed where an error excerpt is cut; a Sense
 * server (HTTPS with client certificates) answers its health poll with a body that is not JSON
 * and echoes the request's secret header right where the JSON parser's quote of it is cut; a
 * heartbeat URL carries a token and the config view shows values unobfuscated. Then /status (Prometheus), /api/status,
 * /api/config, the config page and everything the process printed are searched for every secret
 * and for the first characters of each.
 *
 * The echoing server is a stand-in for a misbehaving destination: no real InfluxDB or New Relic
 * echoes credentials, which is exactly why such an answer is not under our control.
 */
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type CertificatePaths, ensureCertificates } from '../../../sim/certs.ts';
import { makeAgentDir } from '../../support/agent-process.ts';
import { freePort, waitFor } from '../../support/services.ts';
import { spawnWebAgent, type WebAgent } from '../../support/web-agent.ts';

const INFLUX_USER = 'influx-writer';
const INFLUX_PASSWORD = 'Pw-4a8f1c9e77d2';
const NR_KEY = 'NRII-d9c31f0be2a64c7f8aa1';
const HEARTBEAT_TOKEN = 'hb-tok-5c1e9a2f3b7d';
const SENSE_HEADER = 'sense-hdr-9f2c41d7e8a3';
const BASIC = Buffer.from(`${INFLUX_USER}:${INFLUX_PASSWORD}`).toString('base64');

/** Every secret, and its first 8 characters (what a cut before redaction used to leave). */
const NEEDLES = [INFLUX_PASSWORD, BASIC, NR_KEY, HEARTBEAT_TOKEN, SENSE_HEADER].flatMap((s) => [
  s,
  s.slice(0, 8),
]);

/** Refuses everything with 401, echoing the request's credentials in several shapes. */
async function startEchoingServer(): Promise<{
  url: string;
  close(): Promise<void>;
  requests: () => number;
}> {
  let requests = 0;
  const server = http.createServer((req, res) => {
    requests++;
    req.resume();
    const auth = req.headers.authorization ?? '';
    const key = String(req.headers['api-key'] ?? '');
    // The key starts just before character 200, where New Relic error excerpts are cut.
    const body = req.url?.startsWith('/write')
      ? `{"error":"authorization failed","request":"POST ${req.url} authorization=${auth}","headers":{"Authorization":["${auth}"]}}`
      : `${'x'.repeat(190)} key ${key} rejected; Api-Key: ${key}; {"Api-Key":"${key}"}`;
    res.writeHead(401, { 'content-type': 'text/plain' }).end(body);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise((r) => server.close(() => r())),
    requests: () => requests,
  };
}

/** A Sense engine health endpoint (client certificates required) answering with non-JSON that echoes a header. */
async function startEchoingSense(certs: CertificatePaths): Promise<{ host: string; close(): Promise<void> }> {
  const server = https.createServer(
    {
      cert: readFileSync(certs.serverCert),
      key: readFileSync(certs.serverKey),
      ca: readFileSync(certs.clientCertCA),
      requestCert: true,
      rejectUnauthorized: true,
    },
    (req, res) => {
      req.resume();
      // JSON.parse quotes about ten characters past the error: the start of the header value.
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(`{"echo": ${req.headers['x-sense-tenant']}}`);
    },
  );
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    host: `127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

describe('secrets never leave the agent', { timeout: 120_000 }, () => {
  let web: WebAgent;
  let echo: Awaited<ReturnType<typeof startEchoingServer>>;
  let sense: Awaited<ReturnType<typeof startEchoingSense>>;
  let promPort: number;

  before(async () => {
    echo = await startEchoingServer();
    const dir = makeAgentDir();
    const certs = await ensureCertificates(join(dir, 'certs'), { dnsNames: [], ipAddresses: [] });
    sense = await startEchoingSense(certs);
    promPort = await freePort();
    const echoPort = Number(new URL(echo.url).port);
    web = await spawnWebAgent({
      dir,
      influx: { port: echoPort, dbName: 'leaky' },
      extra: () => ({
        logLevel: 'debug',
        influxdbConfig: {
          v1Config: { auth: { enable: true, username: INFLUX_USER, password: INFLUX_PASSWORD } },
        },
        thirdPartyToolsCredentials: {
          newRelic: [{ accountName: 'main', insertApiKey: NR_KEY, accountId: '1234567' }],
        },
        newRelic: {
          enable: true,
          metric: { url: `${echo.url}/metric/v1` },
          event: { url: `${echo.url}/` },
        },
        logEvents: {
          sendToNewRelic: {
            enable: true,
            destinationAccount: ['main'],
            source: { engine: { enable: true, logLevel: { error: true, warn: true } } },
          },
        },
        heartbeat: {
          enable: true,
          remoteURL: `${echo.url}/ping?token=${HEARTBEAT_TOKEN}`,
          frequency: 'every 1 hour',
        },
        configVisualisation: { obfuscate: false },
        cert: {
          clientCert: certs.clientCert,
          clientCertKey: certs.clientCertKey,
          clientCertCA: certs.clientCertCA,
        },
        appNames: { enableAppNameExtract: false },
        userSessions: { enableSessionExtract: false },
        serversToMonitor: {
          pollingInterval: 1000,
          rejectUnauthorized: true,
          serverTagsDefinition: [],
          servers: [
            {
              host: sense.host,
              serverName: 'sense1',
              serverDescription: 'echoes its headers',
              userSessions: { enable: false, host: '127.0.0.1:1', virtualProxies: [{ virtualProxy: '/' }] },
              serverTags: null,
              headers: { 'X-Sense-Tenant': SENSE_HEADER },
            },
          ],
        },
        prometheus: { enable: true, host: '127.0.0.1', port: promPort, nodeMetricsPort: promPort },
      }),
    });
    const socket = createSocket('udp4');
    for (let i = 0; i < 5; i++) {
      socket.send(
        `/qseow-engine/;1;20260101T000000.000+0000;2026-01-01 00:00:00,000;ERROR;sense1;System.Engine.Engine;DOMAIN\\svc;failed ${i};0;;;2026-01-01T00:00:00.000Z;id-${i};14.173.3;20250310T000000.000+0000;Error;;`,
        web.udpPort,
        '127.0.0.1',
      );
    }
    // Both destinations and the Sense poll have failed at least once and recorded their last error.
    await waitFor(async () => {
      const status = (await (await fetch(`${web.base}/api/status`)).json()) as {
        destinations?: Array<{ name: string; lastError?: unknown }>;
        servers?: Array<{ lastError?: string | null }>;
      };
      const failing = (status.destinations ?? []).filter((d) => d.lastError);
      return failing.length >= 2 && status.servers?.[0]?.lastError ? failing : undefined;
    }, 30_000);
    socket.close();
  });
  after(async () => {
    await web?.remove();
    await echo?.close();
    await sense?.close();
  });

  const assertClean = (where: string, text: string) => {
    for (const needle of NEEDLES) assert.ok(!text.includes(needle), `${where} shows ${needle.slice(0, 4)}…`);
  };

  test('the destinations really received the credentials and answered with them', () => {
    assert.ok(echo.requests() >= 2);
  });

  test('/status, /api/status, /api/config and the config page show no secret', async () => {
    for (const url of [
      `http://127.0.0.1:${promPort}/status`,
      `${web.base}/api/status`,
      `${web.base}/api/config`,
      `${web.base}/config`,
      `${web.base}/`,
    ]) {
      const res = await fetch(url);
      assert.equal(res.status, 200, url);
      assertClean(url, await res.text());
    }
    const status = await (await fetch(`http://127.0.0.1:${promPort}/status`)).text();
    assert.match(status, /401/, 'the status does carry the destination errors');
    assert.match(status, /not valid JSON/, 'the status does carry the Sense poll error');
  });

  test('nothing the process printed shows a secret', async () => {
    await web.agent.stop('SIGTERM');
    assert.match(web.agent.output(), /401/);
    assertClean('the log', web.agent.output());
  });
});
