/**
 * Two HTTP endpoints on one port are a config error naming both keys (before, the second failed
 * only at start, with EADDRINUSE); ports on different addresses, port 0 and a Node.js metrics
 * port equal to prometheus.port (not started then) are fine.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { httpListeners, portCollisions } from '../../../src/cli/listener-ports.ts';
import { verifyConfig } from '../../../src/cli/verify-config.ts';
import { loadConfigText } from '../../../src/config/load.ts';
import { lineContaining, replaceOnce, tempDir, validFullText } from '../config/support.ts';

describe('endpoints sharing a port', () => {
  test('verify-config names the second key, its line and the first key', () => {
    const dir = tempDir();
    try {
      // Docker health (localhost:12398) and /metrics moved onto the same port of 127.0.0.1.
      const text = replaceOnce(validFullText(), 'port: 9842', 'port: 12398');
      const file = join(dir.path, 'ports.yaml');
      writeFileSync(file, text);
      const err: string[] = [];
      const code = verifyConfig(
        file,
        {},
        () => undefined,
        (line) => err.push(line),
      );
      assert.equal(code, 1);
      assert.ok(
        err.some(
          (line) =>
            line.startsWith(
              `VERIFY CONFIG FILE ERROR: Butler-SOS.dockerHealthCheck.port (line ${lineContaining(text, 'port: 12398')})`,
            ) && line.includes('12398 is also prometheus.port'),
        ),
        err.join('\n'),
      );
    } finally {
      dir.remove();
    }
  });

  test('what collides and what does not', () => {
    const s = loadConfigText(validFullText()).config['Butler-SOS'];
    s.prometheus.host = '0.0.0.0';
    s.prometheus.nodeMetricsPort = s.configVisualisation.port;
    assert.deepEqual(
      portCollisions(httpListeners(s)).map(({ first, second }) => [first.portKey, second.portKey]),
      [['configVisualisation.port', 'prometheus.nodeMetricsPort']],
    );
    s.prometheus.host = '10.0.0.5';
    s.prometheus.nodeMetricsHost = '10.0.0.5';
    assert.deepEqual(portCollisions(httpListeners(s)), [], 'different addresses');
    s.prometheus.nodeMetricsPort = s.prometheus.port;
    assert.ok(!httpListeners(s).some((l) => l.portKey === 'prometheus.nodeMetricsPort'));
    s.configVisualisation.port = 0;
    s.dockerHealthCheck.port = 0;
    assert.deepEqual(portCollisions(httpListeners(s)), [], 'port 0: the system picks');
  });
});
