/**
 * The web UI in headless Chromium (Debian's chromium driven by playwright-core): every page
 * loads without console errors, charts receive the store's data, the log filters change the
 * rows, the config view shows masked values and no secret. Screenshots go to test-results/.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { BrowserContext, Locator, Page } from 'playwright-core';
import { createLocalStore, type LocalStore } from '../../../src/destinations/local-store/local-store.ts';
import { createRecordingLogger } from '../../../src/logging/logger.ts';
import { startWebServer, type WebServer } from '../../../src/web/server.ts';
import { launchHeadlessChromium, recordPageErrors } from '../../support/browser.ts';
import {
  agentStatus,
  healthPoints,
  leakyConfig,
  logEventPoints,
  SECRETS,
  SERVERS,
  userEventPoints,
} from './fixtures.ts';
import '../../support/page-dom.ts';

/** Rendered text (line breaks between blocks), which is what a user reads. */
const visibleText = (locator: Locator) => locator.innerText();

const SHOTS = join(process.cwd(), 'test-results');

describe('web UI in headless Chromium', () => {
  const dir = mkdtempSync(join(tmpdir(), 'web-ui-test-'));
  let store: LocalStore;
  let server: WebServer;
  let browser: BrowserContext;
  const consoleErrors: string[] = [];

  before(async () => {
    mkdirSync(SHOTS, { recursive: true });
    const now = Date.now();
    store = createLocalStore({ file: join(dir, 'store.sqlite'), log: createRecordingLogger() });
    await store.write(healthPoints(now, 150));
    await store.write(logEventPoints(now, 300));
    await store.write(userEventPoints(now, 60));
    server = await startWebServer({
      host: '127.0.0.1',
      port: 0,
      store,
      getStatus: () => agentStatus(now),
      getConfigView: leakyConfig,
      log: createRecordingLogger(),
      version: '0.1.0',
    });
    browser = await launchHeadlessChromium(join(dir, 'profile'), { acceptDownloads: true });
  });

  after(async () => {
    await browser?.close();
    await server?.close();
    store?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function open(path: string): Promise<Page> {
    const page = await browser.newPage();
    recordPageErrors(page, path, consoleErrors);
    page.on('dialog', (d) => {
      consoleErrors.push(`${path}: unexpected dialog ${d.message()}`);
      void d.dismiss();
    });
    const response = await page.goto(`${server.address}${path}`);
    assert.equal(response?.status(), 200, `GET ${path}`);
    return page;
  }

  const noConsoleErrors = (path: string) =>
    assert.deepEqual(
      consoleErrors.filter((e) => e.startsWith(`${path}:`)),
      [],
    );

  test('overview: server table with poll state and charts fed from the store', async () => {
    const page = await open('/');
    for (const id of ['mem', 'cpu', 'session', 'users', 'apps', 'cache', 'saturated', 'proxy']) {
      await page.waitForFunction(
        (chartId) => Number(document.querySelector(`#chart-${chartId}`)?.getAttribute('data-points')) > 0,
        id,
        { timeout: 10_000 },
      );
      assert.equal(await page.locator(`#chart-${id} canvas`).count(), 1, `chart ${id} drew a canvas`);
    }
    // One line per server in the CPU chart legend.
    const legend = await page.locator('#chart-cpu .u-legend .u-series').allInnerTexts();
    for (const s of SERVERS)
      assert.ok(
        legend.some((l) => l.includes(s)),
        `legend has ${s}: ${legend}`,
      );

    const rows = page.locator('#servers tbody tr');
    assert.equal(await rows.count(), 3);
    const sense2 = page.locator('#servers tr[data-server="sense2"]');
    assert.match(await visibleText(sense2), /failing/);
    assert.match(await visibleText(sense2), /ECONNREFUSED 10\.0\.0\.2:4747/);
    const sense1 = await visibleText(page.locator('#servers tr[data-server="sense1"]'));
    assert.match(sense1, /\bup\b/);
    // Cache hit ratio from counter deltas: 40 hits per 60 lookups for sense1.
    assert.match(sense1, /66\.7/);
    await page.screenshot({ path: join(SHOTS, 'web-overview.png'), fullPage: true });

    // A new poll result reaches the table and the chart on the next refresh.
    const liveAt = Date.now();
    await store.write([
      {
        measurement: 'cpu',
        tags: { host: 'sense1.corp.local', server_name: 'sense1' },
        fields: { total: { type: 'float', value: 93.25 } },
        timeMs: liveAt,
      },
    ]);
    await page
      .locator('#servers tr[data-server="sense1"] td', { hasText: '93.3' })
      .waitFor({ timeout: 10_000 });
    await page.waitForFunction(
      (t) => Number(document.querySelector('#chart-cpu')?.getAttribute('data-newest')) === t,
      liveAt,
    );
    noConsoleErrors('/');
    await page.close();
  });

  test('log events: filters by level, server, source and text change the rows; new events appear live', async () => {
    const page = await open('/logs');
    const rows = page.locator('#events tbody tr[data-id]');
    await rows.first().waitFor();
    assert.equal(await rows.count(), 200);
    // Facets fill the selects.
    await page.waitForFunction(() => document.querySelectorAll('#f-level option').length > 1);

    const loaded = async () => Number(await page.locator('body').getAttribute('data-events-loaded'));
    let before = await loaded();
    await page.selectOption('#f-level', 'FATAL');
    await page.waitForFunction((n) => Number(document.body.dataset.eventsLoaded) > n, before);
    const levels = await page.locator('#events tbody tr td:nth-child(2)').allInnerTexts();
    assert.equal(levels.length, 60);
    assert.ok(levels.every((l) => l === 'FATAL'));

    before = await loaded();
    await page.selectOption('#f-level', '');
    await page.selectOption('#f-host', 'sense2.corp.local');
    await page.selectOption('#f-source', 'qseow-engine');
    await page.waitForFunction((n) => Number(document.body.dataset.eventsLoaded) >= n + 3, before);
    const hosts = await page.locator('#events tbody tr td:nth-child(3)').allInnerTexts();
    assert.ok(hosts.length > 0);
    assert.ok(hosts.every((h) => h === 'sense2.corp.local'));
    const sources = await page.locator('#events tbody tr td:nth-child(4)').allInnerTexts();
    assert.ok(sources.every((s) => s === 'qseow-engine'));

    before = await loaded();
    await page.fill('#f-text', 'ACCESS DENIED');
    await page.waitForFunction((n) => Number(document.body.dataset.eventsLoaded) > n, before);
    const messages = await page.locator('#events tbody tr td.msg').allInnerTexts();
    assert.ok(messages.length > 0 && messages.length < hosts.length, `${messages.length} of ${hosts.length}`);
    assert.ok(messages.every((m) => m.includes('access denied')));
    await page.screenshot({ path: join(SHOTS, 'web-logs-filtered.png'), fullPage: true });

    // Clear the filters, then a new event arrives and shows up on the next refresh.
    await page.fill('#f-text', '');
    await page.selectOption('#f-host', '');
    await page.selectOption('#f-source', '');
    await store.write([
      {
        measurement: 'log_event',
        tags: { host: 'sense3.corp.local', level: 'ERROR', source: 'qseow-proxy', log_row: '999999' },
        fields: { message: { type: 'string', value: 'Brand new live event <b>not bold</b>' } },
        timeMs: Date.now(),
      },
    ]);
    await page.locator('#events tbody td.msg', { hasText: 'Brand new live event <b>not bold</b>' }).waitFor({
      timeout: 10_000,
    });
    assert.equal(await page.locator('#events tbody b').count(), 0, 'event text is not interpreted as HTML');
    noConsoleErrors('/logs');
    await page.close();
  });

  test('user activity: proxy session chart and user event rows', async () => {
    const page = await open('/users');
    await page.waitForFunction(
      () => Number(document.querySelector('#chart-proxy')?.getAttribute('data-points')) > 0,
    );
    const rows = page.locator('#events tbody tr[data-id]');
    await rows.first().waitFor();
    assert.equal(await rows.count(), 60);
    await page.waitForFunction(() => document.querySelectorAll('#f-event_action option').length > 1);
    await page.selectOption('#f-event_action', 'Start session');
    await page.waitForFunction(() => document.querySelectorAll('#events tbody tr[data-id]').length === 15);
    const actions = await page.locator('#events tbody tr[data-id] td:nth-child(2)').allInnerTexts();
    assert.ok(actions.every((a) => a === 'Start session'));
    await page.selectOption('#f-event_action', '');
    await page.fill('#f-text', 'hr analytics');
    await page.waitForFunction(() => {
      const cells = [...document.querySelectorAll('#events tbody tr[data-id] td:nth-child(6)')];
      return cells.length === 30 && cells.every((c) => c.textContent === 'HR analytics');
    });
    await page.screenshot({ path: join(SHOTS, 'web-users.png'), fullPage: true });
    noConsoleErrors('/users');
    await page.close();
  });

  test('delivery: counters per destination, drops by reason, last error without credentials', async () => {
    const page = await open('/delivery');
    const influx = page.locator('#destinations tr[data-destination="influxdb"]');
    await influx.waitFor();
    const text = await visibleText(influx);
    assert.match(text, /queue_full: 3/);
    assert.match(text, /rejected: 1/);
    assert.match(text, /3,000/);
    assert.match(text, /ECONNREFUSED/);
    assert.doesNotMatch(text, /Pa55w0rd-in-url/);
    assert.match(await visibleText(page.locator('#polls')), /ECONNREFUSED 10\.0\.0\.2:4747/);
    await page.locator('#store dd', { hasText: 'hours' }).waitFor();
    await page.screenshot({ path: join(SHOTS, 'web-delivery.png'), fullPage: true });
    noConsoleErrors('/delivery');
    await page.close();
  });

  test('config view: masked values, no secret anywhere, JSON tree and YAML download', async () => {
    const page = await open('/config');
    const html = await page.content();
    for (const secret of SECRETS) assert.ok(!html.includes(secret), `page leaks ${secret}`);
    const yaml = await visibleText(page.locator('#panel-yaml'));
    assert.match(yaml, /password: "?\*{10}"?/);
    assert.match(yaml, /clientCertPassphrase: "?\*{10}"?/);
    assert.match(yaml, /X-Qlik-User: "?\*{10}"?/);
    assert.match(yaml, /name: X-My-Header/);
    assert.match(yaml, /dbName: senseops/);
    assert.match(yaml, /accountName: First/, 'non-secret values stay readable');
    assert.match(yaml, /<script>alert\(1\)<\/script>/, 'HTML in values is shown as text');
    assert.ok((await page.locator('.y-mask').count()) >= 8);

    await page.click('#tab-json');
    assert.equal(await page.locator('#panel-yaml').isVisible(), false);
    await page.click('#expand-all');
    const tree = await visibleText(page.locator('#json-tree'));
    assert.match(tree, /insertApiKey: "\*{10}"/);
    assert.match(tree, /serverGroup: "DEV"/);

    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#download')]);
    assert.equal(download.suggestedFilename(), 'config.yaml');
    const saved = readFileSync((await download.path())!, 'utf8');
    assert.match(saved, /Butler-SOS:/);
    for (const secret of SECRETS) assert.ok(!saved.includes(secret), `download leaks ${secret}`);
    await page.click('#tab-yaml');
    await page.screenshot({ path: join(SHOTS, 'web-config.png'), fullPage: true });
    noConsoleErrors('/config');
    await page.close();
  });

  test('unknown page: HTML 404 with a way home', async () => {
    const page = await browser.newPage();
    const response = await page.goto(`${server.address}/no/such/page`);
    assert.equal(response?.status(), 404);
    await page.click('text=Go Home');
    await page.waitForURL(`${server.address}/`);
    await page.close();
  });
});
