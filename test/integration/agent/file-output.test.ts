/**
 * The file destination through the whole agent: the simulator's Sense servers polled, log
 * events sent over real UDP, and the uptime monitor's samples, all read back from the NDJSON
 * files (every line a record, every datagram sent there once), with the destination's
 * delivery counters in the agent's status.
 */
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { type InProcessAgent, startAgentInProcess } from '../../support/agent-config.ts';
import { freeUdpPort } from '../../support/agent-process.ts';
import { caseById, LOG_EVENTS } from '../../support/datagram-fixtures.ts';
import { type SimulatedCluster, startSimulatedCluster } from './simulated-cluster.ts';

const folder = mkdtempSync(join(tmpdir(), 'butler-sos-file-output-'));
let cluster: SimulatedCluster;
let agent: InProcessAgent;
let udpPort: number;

before(async () => {
  cluster = await startSimulatedCluster(11);
  udpPort = await freeUdpPort();
  agent = await startAgentInProcess({
    sim: cluster.sim,
    destinations: {},
    extra: {
      fileOutput: { enable: true, directory: folder, fileName: 'records' },
      logEvents: {
        source: { engine: { enable: true } },
        udpServerConfig: { serverHost: '127.0.0.1', portLogEvents: udpPort },
      },
      uptimeMonitor: { enable: true, frequency: 'every 1 seconds', logLevel: 'verbose' },
    },
  });
});

after(async () => {
  await agent?.stop();
  await cluster?.stop();
  rmSync(folder, { recursive: true, force: true });
});

function lines(): Record<string, unknown>[] {
  return readdirSync(folder).flatMap((name) =>
    readFileSync(join(folder, name), 'utf8')
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as Record<string, unknown>),
  );
}

async function waitFor<T>(what: string, probe: () => T | undefined, timeoutMs = 15_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > until) assert.fail(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

test('polled records, UDP log events and uptime samples all reach the files, each datagram once', async () => {
  const template = caseById(LOG_EVENTS, 'engine-user-app').datagram.split(';');
  const socket = createSocket('udp4');
  const sent = Array.from({ length: 40 }, (_, i) => `file output check ${i}`);
  for (const message of sent) {
    // Field 8 of the engine layout is the message.
    const fields = [...template];
    fields[8] = message;
    await new Promise<void>((resolve, reject) =>
      socket.send(fields.join(';'), udpPort, '127.0.0.1', (error) => (error ? reject(error) : resolve())),
    );
  }
  socket.close();

  const written = await waitFor('every sent log event in the files', () => {
    const all = lines();
    const messages = all.filter((l) => l.kind === 'log-event').map((l) => l.message);
    return sent.every((m) => messages.includes(m)) ? all : undefined;
  });
  const logEvents = written.filter((l) => l.kind === 'log-event');
  assert.deepEqual(logEvents.map((l) => l.message).sort(), [...sent].sort(), 'each datagram exactly once');

  const health = await waitFor('a health record of every simulated server', () => {
    const servers = new Set(
      lines()
        .filter((l) => l.kind === 'engine-health')
        .map((l) => (l.server as { serverName: string }).serverName),
    );
    return cluster.sim.servers.every((s) => servers.has(s.serverName)) ? servers : undefined;
  });
  assert.equal(health.size, cluster.sim.servers.length);
  await waitFor('an uptime sample', () => (lines().some((l) => l.kind === 'uptime') ? true : undefined));

  for (const line of lines()) {
    assert.equal(typeof line.time, 'string');
    assert.ok(!Number.isNaN(Date.parse(line.time as string)), `time ${line.time}`);
  }
  const status = agent.agent.status().destinations.find((d) => d.kind === 'file');
  assert.ok(status, 'the file destination is in the status');
  assert.equal(status.name, `Files in ${folder}`);
  assert.ok(status.delivered >= logEvents.length + health.size, `delivered ${status.delivered}`);
  assert.deepEqual(status.dropped, {});
});
