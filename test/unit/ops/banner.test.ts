import assert from 'node:assert/strict';
import { test } from 'node:test';
import { resolveConfiguredPath } from '../../../src/config/kit/paths.ts';
import { startupBanner } from '../../../src/ops/banner.ts';
import { collectSystemInfo } from '../../../src/ops/system-info.ts';

test('startup banner has upstream labels padded to 18 characters and the instance id', async () => {
  const system = await collectSystemInfo({ enable: false });
  const lines = startupBanner({
    logLevel: 'info',
    version: '14.0.0',
    instanceId: 'a'.repeat(64),
    system,
    standalone: false,
    certificates: {
      clientCert: 'config/certificate/client.pem',
      clientCertKey: '/abs/key.pem',
      clientCertCA: 'root.pem',
    },
    cwd: '/opt/butler-sos',
  });
  assert.equal(lines[0], '-'.repeat(38));
  assert.equal(lines.at(-1), '-'.repeat(38));
  assert.equal(lines[1], 'Starting Butler SOS');
  assert.ok(lines.includes(`Instance ID       : ${'a'.repeat(64)}`));
  assert.ok(lines.includes(`Running in Docker : ${String(system.isRunningInDocker)}`));
  assert.ok(lines.includes('Client cert       : /opt/butler-sos/config/certificate/client.pem'));
  assert.ok(lines.includes('Client cert key   : /abs/key.pem'));
  assert.ok(lines.includes('Total memory      : 0'));
  for (const line of lines.filter((l) => l.includes(': '))) assert.equal(line.indexOf(': '), 18, line);
});

test('relative log directories join the base directory; absolute ones are honoured', () => {
  assert.equal(resolveConfiguredPath('log', '/opt/bsos'), '/opt/bsos/log');
  assert.equal(resolveConfiguredPath('/var/log/bsos', '/opt/bsos'), '/var/log/bsos');
});
