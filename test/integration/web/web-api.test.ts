/**
 * The web server's HTTP surface without a browser: JSON endpoints, bad input, the config-only
 * mode (upstream's configVisualisation at "/"), the rate limit, headers and static assets.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createLocalStore, type LocalStore } from '../../../src/destinations/local-store/local-store.ts';
import { DEFAULT_HTTP_SECURITY } from '../../../src/http-security/security.ts';
import { createRecordingLogger } from '../../../src/logging/logger.ts';
import { startWebServer, type WebServer } from '../../../src/web/server.ts';
import { agentStatus, healthPoints, leakyConfig, logEventPoints, SECRETS } from './fixtures.ts';

const get = async (base: string, path: string) => {
  const res = await fetch(`${base}${path}`);
  const text = await res.text();
  return { status: res.status, type: res.headers.get('content-type') ?? '', headers: res.headers, text };
};

describe('web server with the local store', () => {
  let store: LocalStore;
  let server: WebServer;
  const log = createRecordingLogger();
  const now = Date.now();

  before(async () => {
    store = createLocalStore({ file: ':memory:', log: createRecordingLogger() });
    await store.write(healthPoints(now, 30));
    await store.write(logEventPoints(now, 50));
    server = await startWebServer({
      port: 0,
      store,
      getStatus: () => agentStatus(now),
      getConfigView: leakyConfig,
      log,
    });
  });
  after(async () => {
    await server.close();
    store.close();
  });

  test('binds to 127.0.0.1 by default and logs where it listens', () => {
    assert.match(server.address, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.ok(
      log.lines.some((l) => l.level === 'info' && l.message === `WEB UI: listening on ${server.address}`),
    );
    assert.ok(
      log.lines.some(
        (l) => l.message === `CONFIG VIS: Config visualisation server listening on ${server.address}/config`,
      ),
    );
  });

  test('series, latest, events and facets answer from the store', async () => {
    const series = await get(
      server.address,
      `/api/series?measurement=cpu&field=total&since=${now - 3_600_000}`,
    );
    assert.equal(series.status, 200);
    const body = JSON.parse(series.text) as {
      series: Array<{ tags: { server_name: string }; time: number[] }>;
    };
    assert.deepEqual(
      body.series.map((s) => s.tags.server_name),
      ['sense1', 'sense2', 'sense3'],
    );
    assert.equal(body.series[0]?.time.length, 61);

    const latest = JSON.parse((await get(server.address, '/api/latest?measurement=mem')).text) as unknown[];
    assert.equal(latest.length, 3);

    const events = JSON.parse(
      (await get(server.address, '/api/events?measurement=log_event&tag.level=FATAL&tag.level=ERROR&limit=5'))
        .text,
    ) as Array<{ tags: { level: string } }>;
    assert.equal(events.length, 5);
    assert.ok(events.every((e) => e.tags.level === 'FATAL' || e.tags.level === 'ERROR'));

    const facets = JSON.parse(
      (await get(server.address, '/api/facets?measurement=log_event&tags=level')).text,
    );
    assert.deepEqual(facets, { level: ['ERROR', 'FATAL', 'WARN'] });

    const overview = JSON.parse((await get(server.address, '/api/overview?minutes=60')).text) as {
      servers: Array<{ serverName: string; state: string }>;
      charts: Array<{ id: string }>;
    };
    assert.deepEqual(
      overview.servers.map((s) => [s.serverName, s.state]),
      [
        ['sense1', 'up'],
        ['sense2', 'failing'],
        ['sense3', 'up'],
      ],
    );
    assert.equal(overview.charts.length, 8);
  });

  test('bad input gets a 400 with a clear message, never a crash', async () => {
    const cases: Array<[string, RegExp]> = [
      ['/api/series?field=total', /measurement is required/],
      ['/api/series?measurement=cpu&field=total&since=yesterday', /since must be a number/],
      ['/api/series?measurement=cpu&field=to%22tal', /invalid field name/],
      ['/api/events?measurement=log_event&tag.a%22b=x', /invalid tag name/],
      ['/api/overview?minutes=-5', /minutes must be between/],
    ];
    for (const [path, message] of cases) {
      const r = await get(server.address, path);
      assert.equal(r.status, 400, path);
      assert.match(JSON.parse(r.text).error, message, path);
    }
    const missing = await get(server.address, '/api/nothing');
    assert.equal(missing.status, 404);
    assert.deepEqual(JSON.parse(missing.text), { error: 'not found' });
  });

  test('status and config answers carry no secret', async () => {
    for (const path of ['/api/status', '/api/config', '/config']) {
      const r = await get(server.address, path);
      assert.equal(r.status, 200, path);
      for (const secret of SECRETS) assert.ok(!r.text.includes(secret), `${path} leaks ${secret}`);
    }
  });

  test('pages send security headers; static files and uPlot are served, other vendor files are not', async () => {
    const page = await get(server.address, '/');
    assert.match(page.type, /text\/html/);
    assert.match(page.headers.get('content-security-policy') ?? '', /script-src 'self'/);
    assert.equal(page.headers.get('x-content-type-options'), 'nosniff');
    const uplot = await get(server.address, '/vendor/uplot/uPlot.esm.js');
    assert.equal(uplot.status, 200);
    assert.match(uplot.type, /javascript/);
    assert.equal((await get(server.address, '/vendor/uplot/uPlot.cjs.js')).status, 404);
    assert.equal((await get(server.address, '/vendor/uplot/../../package.json')).status, 404);
    assert.equal((await get(server.address, '/static/js/common.js')).status, 200);
    assert.equal((await get(server.address, '/static/css/app.css')).status, 200);
    const health = await get(server.address, '/health');
    assert.deepEqual(JSON.parse(health.text), { statusCode: 200, status: 'ok' });
  });
});

describe('web server without a store (config view only, as upstream configVisualisation)', () => {
  test('serves the config view at "/", no dashboard pages, a 404 page with a way home', async () => {
    const server = await startWebServer({
      port: 0,
      getConfigView: leakyConfig,
      log: createRecordingLogger(),
    });
    try {
      const root = await get(server.address, '/');
      assert.equal(root.status, 200);
      assert.match(root.text, /<title>Butler SOS – Config<\/title>/);
      assert.match(root.text, /Download YAML/);
      for (const secret of SECRETS) assert.ok(!root.text.includes(secret));
      const logs = await get(server.address, '/logs');
      assert.equal(logs.status, 404);
      assert.match(logs.type, /text\/html/);
      assert.match(logs.text, /Go Home/);
      assert.equal((await get(server.address, '/api/events?measurement=log_event')).status, 404);
      assert.equal((await get(server.address, '/api/store')).text, 'null');
    } finally {
      await server.close();
    }
  });

  test('a config view that cannot be rendered answers 500 with the upstream body', async () => {
    const log = createRecordingLogger();
    const server = await startWebServer({
      port: 0,
      getConfigView: () => {
        throw new Error('boom');
      },
      log,
    });
    try {
      const r = await get(server.address, '/');
      assert.equal(r.status, 500);
      assert.deepEqual(JSON.parse(r.text), { error: 'Internal server error' });
      assert.ok(
        log.lines.some((l) => l.level === 'error' && /cannot render the config view: boom/.test(l.message)),
      );
    } finally {
      await server.close();
    }
  });

  test('more than the per-minute limit from one client gets 429; the warnings are throttled', async () => {
    const log = createRecordingLogger();
    const server = await startWebServer({
      port: 0,
      getConfigView: () => ({}),
      log,
      security: { ...DEFAULT_HTTP_SECURITY, rateLimitPerMinute: 3 },
    });
    try {
      const codes: number[] = [];
      for (let i = 0; i < 5; i++) codes.push((await get(server.address, '/health')).status);
      assert.deepEqual(codes, [200, 200, 200, 429, 429]);
      const warnings = log.lines.filter((l) => l.level === 'warn');
      assert.equal(warnings.length, 1, 'the second refusal within 10 s is counted, not logged');
      assert.match(
        warnings[0]!.message,
        /^CONFIG VIS: Rate limit exceeded for source IP address (::ffff:)?127\.0\.0\.1\. Method=GET, endpoint=\/health$/,
      );
    } finally {
      await server.close();
    }
    const summary = log.lines.filter((l) => l.level === 'warn').at(-1);
    assert.match(summary!.message, /^CONFIG VIS: 1 more request\(s\) refused \(rate limit\)/);
  });

  test('a port in use is a clear error naming the key and the port', async () => {
    const first = await startWebServer({ port: 0, log: createRecordingLogger() });
    try {
      await assert.rejects(
        startWebServer({ port: first.port, log: createRecordingLogger() }),
        new RegExp(
          `WEB UI: webUi\\.port ${first.port} is already in use on 127\\.0\\.0\\.1 \\(EADDRINUSE\\)`,
        ),
      );
    } finally {
      await first.close();
    }
  });
});
