/**
 * The web UI's audit page in headless Chromium: the events the audit API handled appear per
 * user and app and in the newest-events table, the user filter narrows them, text from the
 * events is shown as text (never as markup), and the page has no console errors.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { BrowserContext } from 'playwright-core';
import { recentAuditEvents } from '../../../src/audit/recent-events.ts';
import { createRecordingLogger } from '../../../src/logging/logger.ts';
import { startWebServer, type WebServer } from '../../../src/web/server.ts';
import { sampleAuditRecord, selectionEnvelope, viewEnvelope } from '../../support/audit-envelopes.ts';
import { launchHeadlessChromium, recordPageErrors } from '../../support/browser.ts';

const context = (user: string, appName: string) => ({
  appId: '3b1f0d6a-92c4-4e8b-a7d5-6f2e1c0b9a88',
  appName,
  sheetId: 'JpQmRs',
  sheetName: 'Cash flow',
  user,
});

describe('audit page in headless Chromium', () => {
  const dir = mkdtempSync(join(tmpdir(), 'audit-page-test-'));
  let server: WebServer;
  let browser: BrowserContext;

  before(async () => {
    recentAuditEvents.clear();
    const view = (user: string, app: string, duration: number) => {
      const e = viewEnvelope();
      const payload = e.payload as { context: unknown; event: Record<string, unknown> };
      payload.context = context(user, app);
      payload.event.duration = duration;
      return e;
    };
    recentAuditEvents.add(sampleAuditRecord(view('CORP\\anna', 'Finance KPIs', 8000)));
    recentAuditEvents.add(sampleAuditRecord(view('CORP\\anna', 'Finance KPIs', 2000)));
    recentAuditEvents.add(sampleAuditRecord(view('CORP\\bo', '<img src=x onerror=alert(1)>', 1500)));
    const selection = selectionEnvelope();
    (selection.payload as { context: unknown }).context = context('CORP\\bo', 'Sales');
    recentAuditEvents.add(sampleAuditRecord(selection));
    server = await startWebServer({
      host: '127.0.0.1',
      port: 0,
      log: createRecordingLogger(),
      version: '0.1.0',
    });
    browser = await launchHeadlessChromium(join(dir, 'profile'));
  });

  after(async () => {
    await browser?.close();
    await server?.close();
    recentAuditEvents.clear();
    rmSync(dir, { recursive: true, force: true });
  });

  test('JSON: newest first, with the total', async () => {
    const answer = (await (await fetch(`${server.address}/api/audit/events?limit=2`)).json()) as {
      total: number;
      events: Array<{ user: string; appName: string; type: string }>;
    };
    assert.equal(answer.total, 4);
    assert.deepEqual(
      answer.events.map((e) => [e.user, e.appName, e.type]),
      [
        ['CORP\\bo', 'Sales', 'selection.state.changed'],
        ['CORP\\bo', '<img src=x onerror=alert(1)>', 'object.view.duration'],
      ],
    );
  });

  test('per user and app, newest events, user filter; no console errors', async () => {
    const errors: string[] = [];
    const page = await browser.newPage();
    recordPageErrors(page, '/audit', errors);
    page.on('dialog', (d) => {
      errors.push(`/audit: unexpected dialog ${d.message()}`);
      void d.dismiss();
    });
    const response = await page.goto(`${server.address}/audit`);
    assert.equal(response?.status(), 200);
    await page.waitForSelector('#events tbody tr[data-id]');
    const groups = await page.locator('#per-user-app tbody tr').allInnerTexts();
    assert.equal(groups.length, 3, groups.join('\n'));
    const anna = groups.find((row) => row.includes('Finance KPIs'))!;
    assert.match(anna, /CORP\\anna\s+Finance KPIs\s+2\s+1\s+10/, 'two views, one sheet, 10 s viewed');
    assert.ok(
      groups.some((row) => row.includes('<img src=x onerror=alert(1)>')),
      'markup shown as text',
    );
    assert.equal(await page.locator('#events tbody tr').count(), 4);
    assert.equal(await page.locator('nav a[aria-current="page"]').innerText(), 'Audit');
    await page.selectOption('#f-user', 'CORP\\anna');
    assert.equal(await page.locator('#events tbody tr').count(), 2);
    assert.equal(await page.locator('#per-user-app tbody tr').count(), 1);
    assert.deepEqual(errors, []);
  });
});
