/**
 * Screenshot downloads against the simulator's Sense content server (real HTTPS with client
 * certificates, the QPS ticket API, tempcontent images): each auth mode, the session cache,
 * file names and the metadata image, and every refusal (host not allowed, redirect outside
 * the list, an allowed name resolving to a link-local address, a huge file, not an image)
 * counted.
 */
import assert from 'node:assert/strict';
import type { LookupAddress } from 'node:dns';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type SenseContent, startSenseContent } from '../../../sim/audit-content.ts';
import { ensureCertificates } from '../../../sim/certs.ts';
import { parseAuditUser } from '../../../src/audit/user.ts';
import { createRecordingLogger } from '../../../src/logging/logger.ts';
import type { AuditEnvelope } from '../../../src/records/audit-event.ts';
import type { AuditScreenshotsConfig } from '../../../src/sources/audit-api/config.ts';
import type { LookupFunction } from '../../../src/sources/audit-api/screenshots/address-policy.ts';
import { createScreenshotDownloader } from '../../../src/sources/audit-api/screenshots/downloader.ts';
import { decodePng } from '../../../src/sources/audit-api/screenshots/png.ts';
import { screenshotEnvelope } from '../../support/audit-envelopes.ts';

const folder = mkdtempSync(join(tmpdir(), 'audit-screenshots-'));
let sense: SenseContent;
let cert: { clientCert: string; clientCertKey: string; clientCertCA: string };

before(async () => {
  const paths = await ensureCertificates(join(folder, 'certs'), {
    dnsNames: ['localhost'],
    ipAddresses: ['127.0.0.1'],
  });
  cert = {
    clientCert: paths.clientCert,
    clientCertKey: paths.clientCertKey,
    clientCertCA: paths.clientCertCA,
  };
  const tls = {
    key: await readFile(paths.serverKey, 'utf8'),
    cert: await readFile(paths.serverCert, 'utf8'),
    ca: await readFile(paths.clientCertCA, 'utf8'),
  };
  sense = await startSenseContent({ tls, httpPort: 0 });
});

after(async () => {
  await sense?.close();
  rmSync(folder, { recursive: true, force: true });
});

function config(over: Partial<AuditScreenshotsConfig> & { dir: string }): AuditScreenshotsConfig {
  const { dir, ...rest } = over;
  return {
    enable: true,
    downloadTimeoutMs: 2000,
    storageTargets: [{ enable: true, type: 'flat', directory: join(folder, dir) }],
    allowedImageDownloadHosts: ['127.0.0.1', 'localhost'],
    addInImageMetadata: {
      enable: false,
      fields: {
        date: false,
        eventId: false,
        correlationId: false,
        selectionTxnId: false,
        user: false,
        appId: false,
        appName: false,
        sheetName: false,
        viewingDuration: false,
      },
    },
    auth: {
      mode: 'none',
      qps: {
        host: '127.0.0.1',
        port: sense.port,
        userDirectory: 'SVC',
        userId: 'audit',
        virtualProxy: '',
        ticketTimeoutMs: 2000,
      },
      sessionCache: { enable: false, ttlSeconds: 120, maxEntries: 100 },
    },
    ...rest,
  };
}

function downloader(c: AuditScreenshotsConfig, lookup?: LookupFunction) {
  const log = createRecordingLogger();
  const d = createScreenshotDownloader({
    config: c,
    cert,
    serversToMonitor: { rejectUnauthorized: true },
    log,
    retryDelaysMs: [10, 10],
    ...(lookup ? { lookup } : {}),
  });
  return { ...d, log };
}

const envelope = (url: string) => screenshotEnvelope(url) as unknown as AuditEnvelope;
const user = parseAuditUser('UserDirectory=CORP; UserId=m.berg');

describe('screenshot downloads', () => {
  test('none: the image and its metadata copy, named after the event', async () => {
    const fields = {
      date: true,
      eventId: true,
      correlationId: false,
      selectionTxnId: false,
      user: true,
      appId: false,
      appName: true,
      sheetName: true,
      viewingDuration: true,
    };
    const d = downloader(config({ dir: 'none', addInImageMetadata: { enable: true, fields } }));
    const paths = await d.download(
      envelope(`${sense.httpOrigin}/tempcontent/8e1f/hGtRq.png?serverNodeId=51a2`),
      user,
    );
    const base = join(
      folder,
      'none',
      '20260302T081532.100Z_5be0f3a2-71c9-4d2e-8f6a-0b1c2d3e4f50_1772439332100',
    );
    assert.deepEqual(paths, [`${base}.png`, `${base}_metadata.png`]);
    const shot = decodePng(readFileSync(`${base}.png`))!;
    const meta = decodePng(readFileSync(`${base}_metadata.png`))!;
    assert.equal(shot.width, 120);
    assert.ok(meta.height > shot.height + 50, `metadata image ${meta.width}x${meta.height}`);
    assert.deepEqual(d.stats(), { downloaded: 1 });
    await d.close();
  });

  test('qpsTicket: a ticket for the configured user, then its session is ended', async () => {
    const before = sense.tickets.length;
    const d = downloader(config({ dir: 'qps', auth: { ...config({ dir: 'x' }).auth, mode: 'qpsTicket' } }));
    const paths = await d.download(envelope(`${sense.httpsOrigin}/tempcontent/a/b.png`), user);
    assert.equal(paths?.length, 1);
    assert.deepEqual(sense.tickets.slice(before), [{ user: 'SVC\\audit', virtualProxy: '' }]);
    await waitUntil(() => sense.deletedSessions.length > 0);
    await d.close();
  });

  test('userTicket with the session cache: one ticket for two downloads of the same user', async () => {
    const before = sense.tickets.length;
    const base = config({ dir: 'x' }).auth;
    const d = downloader(
      config({
        dir: 'user',
        auth: { ...base, mode: 'userTicket', sessionCache: { enable: true, ttlSeconds: 60, maxEntries: 10 } },
      }),
    );
    const first = await d.download(envelope(`${sense.httpsOrigin}/hdr/tempcontent/a/one.png`), user);
    const second = await d.download(envelope(`${sense.httpsOrigin}/hdr/tempcontent/a/two.png`), user);
    assert.equal(first?.length, 1);
    assert.equal(second?.length, 1);
    assert.deepEqual(sense.tickets.slice(before), [{ user: 'CORP\\m.berg', virtualProxy: 'hdr' }]);
    const noUser = await d.download(
      envelope(`${sense.httpsOrigin}/tempcontent/a/three.png`),
      parseAuditUser('anna@example.com'),
    );
    assert.equal(noUser, undefined);
    const deletedBefore = sense.deletedSessions.length;
    await d.close();
    await waitUntil(() => sense.deletedSessions.length > deletedBefore);
  });

  test('refusals are counted and nothing is written', async () => {
    const atLinkLocal: LookupFunction = ((
      host: string,
      opts: unknown,
      cb: (e: Error | null, a: LookupAddress[]) => void,
    ) => {
      void opts;
      cb(null, [{ address: host === 'metadata.internal' ? '169.254.169.254' : '127.0.0.1', family: 4 }]);
    }) as unknown as LookupFunction;
    const d = downloader(
      config({ dir: 'refused', allowedImageDownloadHosts: ['127.0.0.1', 'metadata.internal'] }),
      atLinkLocal,
    );
    const http = sense.httpOrigin!;
    const tries: [string, string][] = [
      [`http://sense.elsewhere.example/tempcontent/x.png`, 'blocked'],
      [`${http}/redirect?to=${encodeURIComponent('http://evil.example/x.png')}`, 'redirect_refused'],
      [
        `${http}/redirect?to=${encodeURIComponent('http://metadata.internal/latest/meta-data')}`,
        'blocked_address',
      ],
      [`${http}/tempcontent/huge.png`, 'too_large'],
      [`${http}/tempcontent/page.png`, 'failed'],
      [`${http}/tempcontent/missing.png`, 'failed'],
      [`ftp://127.0.0.1/tempcontent/x.png`, 'blocked'],
    ];
    for (const [url] of tries) assert.equal(await d.download(envelope(url), user), undefined, url);
    const expected: Record<string, number> = {};
    for (const [, outcome] of tries) expected[outcome] = (expected[outcome] ?? 0) + 1;
    assert.deepEqual(d.stats(), expected);
    assert.equal(existsSync(join(folder, 'refused')), false);
    assert.ok(d.log.lines.some((l) => l.message.includes('Screenshot download blocked')));
    await d.close();
  });

  test('an empty allow-list blocks every download (fail closed)', async () => {
    const d = downloader(config({ dir: 'closed', allowedImageDownloadHosts: [] }));
    assert.equal(await d.download(envelope(`${sense.httpOrigin}/tempcontent/x.png`), user), undefined);
    assert.deepEqual(d.stats(), { blocked: 1 });
    await d.close();
  });
});

async function waitUntil(check: () => boolean, timeoutMs = 5000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > until) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}
