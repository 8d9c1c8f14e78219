/**
 * `npm start` end to end: the demo CLI as a child process (simulator of 3 Sense
 * servers + agent), checked from the outside the way an administrator would see it within a
 * minute: the banner, Prometheus engine values for every simulated server, and every web UI
 * page in headless Chromium (Debian's chromium driven by playwright-core) showing data that
 * came from the simulator — charts drawn, UDP log and user events listed, filters working,
 * the local store delivering, the config masked — with no console errors. Then SIGTERM must
 * stop it cleanly. Screenshots go to test-results/demo-*.png.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { BrowserContext, Page } from 'playwright-core';
import { launchHeadlessChromium, recordPageErrors } from '../../support/browser.ts';
import '../../support/page-dom.ts';
import { freeUdpPort } from '../../support/agent-process.ts';
import { freePort } from '../../support/services.ts';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const SHOTS = join(REPO, 'test-results');
const SERVERS = ['sense-node-1', 'sense-node-2', 'sense-node-3'];
/** The demo promises that everything is visible within a minute of starting it. */
const MINUTE_MS = 60_000;
const STOP_TIMEOUT_MS = 15_000;
/** Overview charts fed by the engine health poll. */
const ENGINE_CHARTS = ['mem', 'cpu', 'session', 'users', 'apps', 'cache', 'saturated'];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `check` until it returns a value (not undefined) or the time is up; then throws `what`. */
async function waitFor<T>(what: string, timeoutMs: number, check: () => Promise<T | undefined>): Promise<T> {
  const end = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() >= end) {
      const why = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${why}`);
    }
    await sleep(250);
  }
}

/** Prometheus exposition text → samples of one metric: labels and value. */
function samplesOf(text: string, metric: string): Array<{ labels: Record<string, string>; value: number }> {
  const out: Array<{ labels: Record<string, string>; value: number }> = [];
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)/.exec(line);
    if (!m || m[1] !== metric) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g))
      labels[l[1] as string] = l[2] as string;
    out.push({ labels, value: Number(m[3]) });
  }
  return out;
}

interface ApiSeries {
  tags: Record<string, string>;
  time: number[];
  values: Record<string, Array<number | null>>;
}

describe('npm start: the demo (simulator + agent) seen from outside', () => {
  const dir = mkdtempSync(join(tmpdir(), 'demo-test-'));
  const dataDir = join(dir, 'data');
  let child: ChildProcess;
  let output = '';
  let exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  let startedAt = 0;
  let web = '';
  let prometheus = '';
  let browser: BrowserContext;
  const consoleErrors: string[] = [];

  /** What is left of the one minute the demo has to show everything (at least 5 s per wait). */
  const remaining = () => Math.max(5_000, startedAt + MINUTE_MS - Date.now());
  const tail = () => output.split('\n').slice(-30).join('\n');

  before(async () => {
    mkdirSync(SHOTS, { recursive: true });
    const [webPort, prometheusPort, logPort, userPort] = [
      await freePort(),
      await freePort(),
      await freeUdpPort(),
      await freeUdpPort(),
    ];
    web = `http://127.0.0.1:${webPort}`;
    prometheus = `http://127.0.0.1:${prometheusPort}`;
    startedAt = Date.now();
    // process.execPath is the Node 24 the test runner runs on (the demo needs node:sqlite).
    child = spawn(
      process.execPath,
      [
        join(REPO, 'src/cli/main.ts'),
        'demo',
        '--data-dir',
        dataDir,
        '--web-port',
        String(webPort),
        '--prometheus-port',
        String(prometheusPort),
        '--log-port',
        String(logPort),
        '--user-port',
        String(userPort),
        '--rate',
        '50',
      ],
      { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    child.stdout?.on('data', (d) => {
      output += d;
    });
    child.stderr?.on('data', (d) => {
      output += d;
    });
    exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
    await waitFor('the demo banner', remaining(), async () => {
      if (child.exitCode !== null) throw new Error(`demo exited with ${child.exitCode}:\n${tail()}`);
      return output.includes('Stop the demo with Ctrl+C') ? true : undefined;
    }).catch((error: Error) => {
      throw new Error(`${error.message}\n--- demo output ---\n${tail()}`);
    });

    browser = await launchHeadlessChromium(join(dir, 'profile'));
  });

  after(async () => {
    await browser?.close();
    if (child && child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  });

  async function open(path: string): Promise<Page> {
    const page = await browser.newPage();
    recordPageErrors(page, path, consoleErrors);
    const response = await page.goto(`${web}${path}`);
    assert.equal(response?.status(), 200, `GET ${path}`);
    return page;
  }

  const noConsoleErrors = (path: string) =>
    assert.deepEqual(
      consoleErrors.filter((e) => e.startsWith(`${path}:`)),
      [],
    );

  async function getJson<T>(url: string): Promise<T> {
    const res = await fetch(url);
    assert.equal(res.status, 200, `GET ${url}`);
    return (await res.json()) as T;
  }

  test('the banner lists the web UI and Prometheus addresses and how to use a real Sense cluster', () => {
    assert.ok(output.includes(`Web UI:              ${web}/`), output);
    assert.ok(output.includes(`Prometheus metrics:  ${prometheus}/metrics`), output);
    assert.match(output, /simulated Qlik Sense cluster of 3 servers/);
    assert.match(output, /To monitor a real Sense cluster instead:/);
    assert.match(output, /certificates exported from the QMC/);
    assert.match(output, /serversToMonitor/);
    assert.match(output, /npx butler-sos -c your-config\.yaml/);
  });

  test('Prometheus /metrics has butlersos_ engine values for all 3 simulated servers', async () => {
    const metrics = [
      'butlersos_mem_allocated',
      'butlersos_cpu_total',
      'butlersos_session_active',
      'butlersos_users_active',
      'butlersos_apps_loadeddocs_total',
      'butlersos_cache_hits',
    ];
    const text = await waitFor('engine metrics of all 3 servers', remaining(), async () => {
      const res = await fetch(`${prometheus}/metrics`);
      if (res.status !== 200) return undefined;
      const body = await res.text();
      const complete = metrics.every((metric) => {
        const servers = samplesOf(body, metric).map((s) => s.labels.server_name);
        return SERVERS.every((s) => servers.includes(s));
      });
      return complete ? body : undefined;
    });
    for (const metric of metrics) {
      for (const server of SERVERS) {
        const sample = samplesOf(text, metric).find((s) => s.labels.server_name === server);
        assert.ok(sample, `${metric} for ${server}`);
        assert.ok(
          Number.isFinite(sample.value) && sample.value >= 0,
          `${metric}{${server}} = ${sample.value}`,
        );
      }
    }
    // The simulated engines report real memory figures, not zeros.
    assert.ok(samplesOf(text, 'butlersos_mem_allocated').every((s) => s.value > 0));
  });

  test('overview: the 3 servers are up and every chart received points from the simulator', async () => {
    const page = await open('/');
    await waitFor('3 servers up in the overview table', remaining(), async () => {
      const states = await page.locator('#servers tbody tr[data-server] td:nth-child(2)').allInnerTexts();
      return states.length === 3 && states.every((s) => s.trim() === 'up') ? true : undefined;
    });
    for (const server of SERVERS) {
      const row = await page.locator(`#servers tr[data-server="${server}"]`).innerText();
      assert.match(row, /\bup\b/, row);
    }

    for (const id of ENGINE_CHARTS) {
      await page.waitForFunction(
        (chartId) => Number(document.querySelector(`#chart-${chartId}`)?.getAttribute('data-points')) > 0,
        id,
        { timeout: remaining() },
      );
      assert.equal(await page.locator(`#chart-${id} canvas`).count(), 1, `chart ${id} drew a canvas`);
    }
    // uPlot drew the lines: the CPU chart's canvas has non-blank pixels, and its legend one
    // series per simulated server.
    const inked = await page
      .locator('#chart-cpu canvas')
      .evaluate(
        (canvas: {
          width: number;
          height: number;
          getContext(t: '2d'): { getImageData(...a: number[]): { data: ArrayLike<number> } };
        }) => {
          const { data } = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
          let n = 0;
          for (let i = 3; i < data.length; i += 4) if ((data[i] ?? 0) > 0) n++;
          return n;
        },
      );
    assert.ok(inked > 100, `CPU chart canvas has ${inked} drawn pixels`);
    const legend = await page.locator('#chart-cpu .u-legend .u-series').allInnerTexts();
    for (const s of SERVERS)
      assert.ok(
        legend.some((l) => l.includes(s)),
        `legend has ${s}: ${legend}`,
      );

    // The JSON API the page reads returns non-empty series for every server.
    const overview = await getJson<{
      servers: Array<{ serverName: string; state: string }>;
      charts: Array<{ id: string; series: Array<{ label: string; time: number[] }> }>;
    }>(`${web}/api/overview?minutes=180`);
    assert.deepEqual(
      overview.servers.map((s) => [s.serverName, s.state]).sort(),
      SERVERS.map((s) => [s, 'up']),
    );
    const cpu = overview.charts.find((c) => c.id === 'cpu');
    assert.ok(cpu, 'overview has a cpu chart');
    for (const s of SERVERS) {
      const line = cpu.series.find((x) => x.label.includes(s));
      assert.ok(line && line.time.length > 0, `cpu series for ${s}`);
    }
    const series = await getJson<{ series: ApiSeries[] }>(
      `${web}/api/series?measurement=mem&field=allocated&groupBy=server_name&since=${startedAt - 1000}`,
    );
    assert.deepEqual(series.series.map((s) => s.tags.server_name).sort(), SERVERS);
    for (const s of series.series) assert.ok((s.values.allocated ?? []).some((v) => v !== null && v > 0));

    await page.screenshot({ path: join(SHOTS, 'demo-overview.png'), fullPage: true });

    // Proxy sessions come from a different poll (the proxy API, every 10 s in the demo).
    await page.waitForFunction(
      () => Number(document.querySelector('#chart-proxy')?.getAttribute('data-points')) > 0,
      undefined,
      { timeout: remaining() },
    );
    assert.equal(await page.locator('#chart-proxy canvas').count(), 1, 'chart proxy drew a canvas');
    noConsoleErrors('/');
    await page.close();
  });

  test('log events: rows that came over UDP from the simulator; level and source filters change them', async () => {
    const page = await open('/logs');
    const rows = page.locator('#events tbody tr[data-id]');
    await rows.first().waitFor({ timeout: remaining() });
    const cells = (n: number) => page.locator(`#events tbody tr[data-id] td:nth-child(${n})`).allInnerTexts();
    const hosts = await cells(3);
    assert.ok(hosts.length > 0);
    const levelsBefore = await cells(2);
    const sourcesBefore = await cells(4);
    assert.ok(
      sourcesBefore.every((s) => /^qseow-/.test(s)),
      `sources: ${[...new Set(sourcesBefore)]}`,
    );

    // Wait until the facets offer more than one level, so a filter has something to remove.
    const levels = await waitFor('two or more log levels in the level filter', remaining(), async () => {
      const options = (await page.locator('#f-level option').allInnerTexts()).filter((o) => o !== 'all');
      return options.length > 1 ? options : undefined;
    });
    // Filter on the level least seen in the unfiltered rows: the rows must change.
    const rare = [...levels].sort(
      (a, b) => levelsBefore.filter((l) => l === a).length - levelsBefore.filter((l) => l === b).length,
    )[0] as string;
    let loaded = Number(await page.locator('body').getAttribute('data-events-loaded'));
    await page.selectOption('#f-level', rare);
    await page.waitForFunction((n) => Number(document.body.dataset.eventsLoaded) > n, loaded);
    await rows.first().waitFor({ timeout: remaining() });
    const filteredLevels = await cells(2);
    assert.ok(filteredLevels.length > 0);
    assert.ok(
      filteredLevels.every((l) => l === rare),
      `level ${rare}: ${[...new Set(filteredLevels)]}`,
    );
    assert.notDeepEqual(filteredLevels, levelsBefore, 'the level filter changed the rows');

    const sources = (await page.locator('#f-source option').allInnerTexts()).filter((o) => o !== 'all');
    assert.ok(sources.length > 0, 'source facet filled');
    loaded = Number(await page.locator('body').getAttribute('data-events-loaded'));
    await page.selectOption('#f-level', '');
    const source = sources[0] as string;
    await page.selectOption('#f-source', source);
    await page.waitForFunction((n) => Number(document.body.dataset.eventsLoaded) >= n + 2, loaded);
    await rows.first().waitFor({ timeout: remaining() });
    const filteredSources = await cells(4);
    assert.ok(filteredSources.length > 0);
    assert.ok(
      filteredSources.every((s) => s === source),
      `source ${source}: ${[...new Set(filteredSources)]}`,
    );
    if (new Set(sourcesBefore).size > 1) assert.notDeepEqual(filteredSources, sourcesBefore);

    await page.screenshot({ path: join(SHOTS, 'demo-logs.png'), fullPage: true });
    noConsoleErrors('/logs');
    await page.close();
  });

  test('user activity: proxy session chart and user events from the simulator', async () => {
    const page = await open('/users');
    const rows = page.locator('#events tbody tr[data-id]');
    await rows.first().waitFor({ timeout: remaining() });
    const actions = await page.locator('#events tbody tr[data-id] td:nth-child(2)').allInnerTexts();
    const users = await page.locator('#events tbody tr[data-id] td:nth-child(4)').allInnerTexts();
    const hosts = await page.locator('#events tbody tr[data-id] td:nth-child(3)').allInnerTexts();
    assert.ok(actions.length > 0);
    assert.ok(
      actions.every((a) => a.trim() !== ''),
      `every user event has an action: ${actions}`,
    );
    assert.ok(
      users.every((u) => u.trim() !== ''),
      `every user event names a user: ${users}`,
    );
    assert.ok(hosts.every((h) => h.trim() !== ''));

    await page.screenshot({ path: join(SHOTS, 'demo-users.png'), fullPage: true });

    await page.waitForFunction(
      () => Number(document.querySelector('#chart-proxy')?.getAttribute('data-points')) > 0,
      undefined,
      { timeout: remaining() },
    );
    assert.equal(await page.locator('#chart-proxy canvas').count(), 1);
    const sessions = await getJson<{ series: ApiSeries[] }>(
      `${web}/api/series?measurement=user_session_summary&field=session_count&groupBy=server_name&since=${startedAt - 1000}`,
    );
    assert.deepEqual(sessions.series.map((s) => s.tags.server_name).sort(), SERVERS);
    await page.screenshot({ path: join(SHOTS, 'demo-users.png'), fullPage: true });
    noConsoleErrors('/users');
    await page.close();
  });

  test('delivery: the Local store destination has delivered points, polls are up', async () => {
    const page = await open('/delivery');
    const row = page.locator('#destinations tr[data-destination="Local store"]');
    await row.waitFor({ timeout: remaining() });
    const delivered = await row.locator('td:nth-child(5)').innerText();
    assert.ok(Number(delivered.replace(/[^\d]/g, '')) > 0, `delivered: ${delivered}`);
    const polls = await page.locator('#polls tbody tr').allInnerTexts();
    assert.equal(polls.length, 3);
    for (const s of SERVERS)
      assert.ok(
        polls.some((p) => p.includes(s) && /\bup\b/.test(p)),
        `${s} up: ${polls}`,
      );
    await page.locator('#store dd', { hasText: 'hours' }).waitFor({ timeout: remaining() });
    assert.match(await page.locator('#store').innerText(), /store\.sqlite/);
    await page.screenshot({ path: join(SHOTS, 'demo-delivery.png'), fullPage: true });
    noConsoleErrors('/delivery');
    await page.close();
  });

  test('config view: the demo config, masked, with no key material or passphrase', async () => {
    const page = await open('/config');
    const yaml = await page.locator('#panel-yaml').innerText();
    assert.match(yaml, /serversToMonitor:/);
    for (const s of SERVERS) assert.ok(yaml.includes(`serverName: ${s}`), `config lists ${s}`);
    assert.match(yaml, /dbName: SenseOps/, 'non-secret values stay readable');
    assert.match(yaml, /clientCert: /);
    // Credentials of the (disabled) destinations are masked too, never shown empty or real.
    assert.match(yaml, /\n {8}password: "?\*{10}"?\n/);
    assert.match(yaml, /qlogsReaderPwd: "?\*{10}"?/);
    assert.ok((await page.locator('.y-mask').count()) >= 5, 'masked values are highlighted');
    // The passphrase is either masked or empty; never a value.
    const passphrase = /clientCertPassphrase:\s*(.*)/.exec(yaml)?.[1]?.trim();
    assert.ok(passphrase !== undefined, 'config shows the clientCertPassphrase key');
    assert.match(passphrase, /^("?\*{10}"?|null|~|''|"")?$/, `clientCertPassphrase shown as ${passphrase}`);

    // No secret from the demo's certificate folder reaches the page or the API.
    const html = await page.content();
    const api = await (await fetch(`${web}/api/config`)).text();
    for (const file of ['client_key.pem', 'root_key.pem', 'server_key.pem']) {
      const pem = readFileSync(join(dataDir, 'certificates', file), 'utf8');
      const body = pem.split('\n').find((l) => l.length > 40 && !l.startsWith('-----'));
      assert.ok(body, `${file} has key material`);
      assert.ok(!html.includes(body), `page leaks ${file}`);
      assert.ok(!api.includes(body), `/api/config leaks ${file}`);
    }
    assert.doesNotMatch(html, /PRIVATE KEY/);
    assert.doesNotMatch(api, /PRIVATE KEY/);
    await page.screenshot({ path: join(SHOTS, 'demo-config.png'), fullPage: true });
    noConsoleErrors('/config');
    await page.close();
  });

  test('SIGTERM stops the demo: exit code 0 and the stop line, within 15 s', async () => {
    assert.equal(child.exitCode, null, 'still running before SIGTERM');
    const sentAt = Date.now();
    child.kill('SIGTERM');
    const result = await Promise.race([exited, sleep(STOP_TIMEOUT_MS).then(() => 'timeout' as const)]);
    assert.notEqual(result, 'timeout', `demo still running ${STOP_TIMEOUT_MS} ms after SIGTERM:\n${tail()}`);
    assert.deepEqual(result, { code: 0, signal: null }, tail());
    assert.ok(Date.now() - sentAt < STOP_TIMEOUT_MS);
    assert.match(output, /SIGTERM received: shutting down/);
    assert.match(output, /MAIN: Butler SOS stopped/);
    assert.deepEqual(consoleErrors, []);
  });
});
