/**
 * When the audit API cannot open its listener, its start fails with a message naming the key to
 * change (as every listener of the agent, whose start is whole-or-nothing), and nothing is left
 * listening: a port in use, a certificate file that cannot be read.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { testAuditSource } from './api-source.ts';

const folder = mkdtempSync(join(tmpdir(), 'audit-api-start-'));
after(() => rmSync(folder, { recursive: true, force: true }));

const source = (audit: Record<string, unknown>, name: string) => testAuditSource(audit, folder, name).source;

test('a port in use names auditEvents.port', async () => {
  const blocker = createServer();
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  const port = (blocker.address() as { port: number }).port;
  try {
    const api = source({ port }, 'in-use');
    await assert.rejects(api.start(), (error: Error) => {
      assert.match(String(error.message), new RegExp(`auditEvents\\.port ${port} .*already in use`));
      return true;
    });
    await api.stop(100);
  } finally {
    blocker.close();
  }
});

test('an unreadable certificate names auditEvents.tls.cert', async () => {
  const missing = join(folder, 'missing-cert.pem');
  const api = source({ port: 0, tls: { enable: true, cert: missing, key: missing } }, 'cert');
  await assert.rejects(api.start(), (error: Error) => {
    assert.match(String(error.message), /auditEvents\.tls\.cert .*missing-cert\.pem cannot be read/);
    return true;
  });
  await api.stop(100);
});
