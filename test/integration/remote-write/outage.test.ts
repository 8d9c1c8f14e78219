/**
 * A receiver outage loses nothing: the agent (its own process, disk spool on) pushes to a
 * private VictoriaMetrics, which is stopped for several seconds and started again. The
 * polls run on a 1-second grid (ha on), so a complete store holds, for every server, one
 * sample in every second from the first to the last: the test checks exactly that, across
 * the outage, and that what the receiver accepted is what it holds.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { agentConfig } from '../../support/agent-config.ts';
import {
  type AgentProcess,
  destinationsOf,
  makeAgentDir,
  removeAgentDir,
  spawnAgent,
} from '../../support/agent-process.ts';
import { type RecordingProxy, startRecordingProxy } from '../../support/remote-write.ts';
import { freePort, waitFor } from '../../support/services.ts';
import { type PrivateVictoriaMetrics, startPrivateVictoriaMetrics } from '../../support/victoriametrics.ts';
import { type SimulatedCluster, startSimulatedCluster } from '../agent/simulated-cluster.ts';
import {
  asVictoriaMetricsStores,
  exportVictoriaMetrics,
  type StoredSamples,
  withinPrecision,
} from './stored.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
let cluster: SimulatedCluster;
let vm: PrivateVictoriaMetrics;
let proxy: RecordingProxy;
let agent: AgentProcess | undefined;
const dir = makeAgentDir();

before(async () => {
  cluster = await startSimulatedCluster(23);
  vm = await startPrivateVictoriaMetrics();
  proxy = await startRecordingProxy(`${vm.url}/api/v1/write`);
});

after(async () => {
  await agent?.stop();
  await proxy?.close();
  await vm?.stop();
  await cluster?.stop();
  removeAgentDir(dir);
});

test('a receiver stopped for 6 s: every poll of every server is stored once it is back', async () => {
  const webUiPort = await freePort();
  const config = agentConfig({
    sim: cluster.sim,
    destinations: {},
    extra: {
      logLevel: 'info',
      webUi: { enable: true, host: '127.0.0.1', port: webUiPort },
      delivery: { spoolEnable: true, spoolDirectory: `${dir}/spool`, flushIntervalMs: 200 },
      ha: { enable: true, replica: 'only' },
      remoteWrite: {
        enable: true,
        intervalMs: 1000,
        job: 'outage',
        endpoints: [{ name: 'vm', url: proxy.url }],
      },
    },
  });
  agent = await spawnAgent({ config, dir, webUiPort, readyPattern: /REMOTE WRITE: pushing to/ });
  await sleep(3000);
  // Stopped, not killed: VictoriaMetrics keeps the last seconds of accepted samples in
  // memory, and a SIGKILL loses them on its side, which is not what this test measures.
  await vm.kill('SIGTERM');
  const downAt = Date.now();
  await sleep(6000);
  await vm.restart();
  const upAt = Date.now();
  const remoteWrite = async () =>
    destinationsOf(await (agent as AgentProcess).status()).find((d) => d.name === 'Remote write to vm');
  const during = await remoteWrite();
  await waitFor(async () => {
    const d = await remoteWrite();
    return d && d.queued === 0 && d.spooled === 0 && (d.delivered ?? 0) > (during?.delivered ?? 0)
      ? true
      : undefined;
  }, 30_000);
  await sleep(1500);
  await agent.stop();

  const sent = asVictoriaMetricsStores(proxy.requests);
  const count = (samples: StoredSamples) => [...samples.values()].reduce((n, list) => n + list.length, 0);
  // VictoriaMetrics makes samples searchable at its next flush: ask until all are there.
  let held: StoredSamples = new Map();
  await waitFor(async () => {
    await fetch(`${vm.url}/internal/force_flush`);
    held = await exportVictoriaMetrics(vm.url, 'outage');
    return count(held) >= count(sent) ? true : undefined;
  }, 15_000).catch(() => {});
  assert.ok(
    proxy.requests.some((r) => r.status >= 500),
    'the agent met the outage',
  );
  assert.deepEqual(withinPrecision(held, sent), sent, 'the receiver holds what it accepted');

  const cpu = [...held.entries()].filter(([key]) => JSON.parse(key).__name__ === 'butlersos_cpu_total');
  assert.equal(cpu.length, 3, 'one series per server');
  for (const [key, samples] of cpu) {
    const times = samples.map(([t]) => t);
    const first = times[0] ?? 0;
    const last = times.at(-1) ?? 0;
    assert.ok(first < downAt - 1000 && last > upAt + 1000, `${key}: samples from before to after the outage`);
    const expected = Array.from({ length: (last - first) / 1000 + 1 }, (_, i) => first + i * 1000);
    assert.deepEqual(times, expected, `${key}: one sample per second, none missing`);
  }
});
