/**
 * Where the Node.js metrics endpoint listens, read from the kernel's socket table. With
 * `prometheus.host: 127.0.0.1` and no `nodeMetricsHost` (as in existing configs) it must stay on
 * loopback like /metrics (upstream, and this implementation before, bound 0.0.0.0 without auth).
 * Bound beyond loopback on purpose, it starts with a warning that says it has no authentication.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import {
  e2eConfig,
  freeUdpPort,
  makeAgentDir,
  removeAgentDir,
  spawnAgent,
} from '../../support/agent-process.ts';
import { freePort } from '../../support/services.ts';

/** Local addresses of the IPv4 and IPv6 TCP sockets listening on `port` (hex as in /proc/net). */
function listeningAddresses(port: number): string[] {
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  const found: string[] = [];
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of readFileSync(table, 'utf8').split('\n').slice(1)) {
      const [, local, , state] = line.trim().split(/\s+/);
      if (state === '0A' && local?.endsWith(`:${hexPort}`)) found.push(local.split(':')[0]!);
    }
  }
  return found;
}

const LOOPBACK_V4 = '0100007F';
const ANY_V4 = '00000000';

async function runWith(prometheus: Record<string, unknown>) {
  const dir = makeAgentDir();
  const [promPort, nodePort] = [await freePort(), await freePort()];
  const agent = await spawnAgent({
    dir,
    readyPattern: /Node\.js metrics server now listening/,
    config: e2eConfig({
      logEventPort: await freeUdpPort(),
      spoolDirectory: join(dir, 'spool'),
      extra: { prometheus: { enable: true, port: promPort, nodeMetricsPort: nodePort, ...prometheus } },
    }),
  });
  try {
    return { addresses: listeningAddresses(nodePort), output: agent.output(), nodePort };
  } finally {
    await agent.stop('SIGKILL');
    removeAgentDir(dir);
  }
}

describe('Node.js metrics endpoint address', { concurrency: true }, () => {
  test('follows prometheus.host 127.0.0.1 when nodeMetricsHost is not set', async () => {
    const { addresses } = await runWith({ host: '127.0.0.1' });
    assert.deepEqual(addresses, [LOOPBACK_V4]);
  });

  test('nodeMetricsHost 0.0.0.0 is honoured, with a warning about the missing authentication', async () => {
    const { addresses, output, nodePort } = await runWith({ host: '127.0.0.1', nodeMetricsHost: '0.0.0.0' });
    assert.deepEqual(addresses, [ANY_V4]);
    assert.match(
      output,
      new RegExp(
        `warn: PROMETHEUS: prometheus\\.nodeMetricsHost 0\\.0\\.0\\.0:${nodePort} is reachable beyond this machine without authentication`,
      ),
    );
  });
});
