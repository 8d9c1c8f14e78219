/**
 * Two agents configured alike (ha on, same cluster, replicas a and b) push with remote write
 * to one real VictoriaMetrics with deduplication on (`-dedup.minScrapeInterval`) and the
 * replica label dropped on intake (`-relabelConfig`), as its documentation says to run an HA
 * pair. Agent a is SIGKILLed half-way. A third agent, alone (cluster `single`), pushes the
 * same input. For every series, the pair's store holds as many samples as the single agent's,
 * one per polling second, and the event counters reach the same totals.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { engineLogDatagram, longIso8601Date } from '../../../sim/datagrams.ts';
import { type PrivateVictoriaMetrics, startPrivateVictoriaMetrics } from '../../support/victoriametrics.ts';
import { type SimulatedCluster, startSimulatedCluster } from '../agent/simulated-cluster.ts';
import { exportVictoriaMetrics, type StoredSamples } from '../remote-write/stored.ts';
import { type PairAgent, sendToAll, sleep, startHaAgent } from './pair.ts';

let cluster: SimulatedCluster;
let vm: PrivateVictoriaMetrics;
const agents: PairAgent[] = [];
const relabel = join(tmpdir(), `butler-sos-vm-relabel-${process.pid}.yml`);

before(async () => {
  cluster = await startSimulatedCluster(37);
  writeFileSync(relabel, '- action: labeldrop\n  regex: __replica__\n');
  vm = await startPrivateVictoriaMetrics(['-dedup.minScrapeInterval=1s', `-relabelConfig=${relabel}`]);
});

after(async () => {
  for (const agent of agents) await agent.process.stop();
  await vm?.stop();
  await cluster?.stop();
});

/** Per series (without the labels that tell the deployments apart): its samples in the window. */
function inWindow(stored: StoredSamples, from: number, to: number): Map<string, [number, string][]> {
  const out = new Map<string, [number, string][]>();
  for (const [key, samples] of stored) {
    const { cluster: _cluster, instance: _instance, ...labels } = JSON.parse(key) as Record<string, string>;
    out.set(
      JSON.stringify(labels),
      samples.filter(([t]) => t >= from && t <= to),
    );
  }
  return out;
}

test('an HA pair with one agent killed stores what a single agent stores', async () => {
  const push = {
    remoteWrite: { enable: true, intervalMs: 1000, endpoints: [{ url: `${vm.url}/api/v1/write` }] },
  };
  const started = await Promise.all([
    startHaAgent(cluster.sim, { replica: 'a', cluster: 'pair' }, push),
    startHaAgent(cluster.sim, { replica: 'b', cluster: 'pair' }, push),
    startHaAgent(cluster.sim, { replica: 's', cluster: 'single' }, push),
  ]);
  agents.push(...started);
  const [a, b, single] = started as [PairAgent, PairAgent, PairAgent];
  const from = Math.ceil(Date.now() / 1000) * 1000 + 2000;
  await sleep(2500);
  const events = (first: number) =>
    Array.from({ length: 60 }, (_, i) =>
      engineLogDatagram({
        rownum: first + i,
        level: i % 3 ? 'WARN' : 'ERROR',
        isoDate: longIso8601Date(new Date()),
      }),
    );
  await sendToAll([a, b, single], 'logPort', events(1));
  await sleep(2000);
  await a.process.kill();
  await sendToAll([b, single], 'logPort', events(61));
  await sleep(3000);
  const to = Math.floor(Date.now() / 1000) * 1000 - 1000;
  await Promise.all([b.process.stop(), single.process.stop()]);

  await fetch(`${vm.url}/internal/force_flush`);
  const stored = await exportVictoriaMetrics(vm.url, 'butler-sos');
  const pair = inWindow(new Map([...stored].filter(([k]) => JSON.parse(k).cluster === 'pair')), from, to);
  const alone = inWindow(new Map([...stored].filter(([k]) => JSON.parse(k).cluster === 'single')), from, to);
  assert.ok(![...stored.keys()].some((k) => '__replica__' in JSON.parse(k)), 'the replica label is dropped');

  // Poll series: one sample per second in both, none missing across the kill, none doubled.
  const seconds = (to - from) / 1000 + 1;
  const polled = [...alone.keys()].filter((k) => JSON.parse(k).__name__ === 'butlersos_cpu_total');
  assert.equal(polled.length, 3);
  for (const key of polled) {
    assert.equal(alone.get(key)?.length, seconds, `single: ${key}`);
    assert.equal(pair.get(key)?.length, seconds, `pair: ${key}`);
  }
  // Every series of the single agent has as many samples in the pair's store (process
  // metrics differ by agent and are compared by count only, like the rest).
  const counts = (m: Map<string, unknown[]>) =>
    [...m.entries()]
      .filter(([k]) => /^"?butler/.test(JSON.parse(k).__name__))
      .map(([k, v]) => [k, v.length])
      .sort();
  assert.deepEqual(counts(pair), counts(alone));
  // The event counters reach the same totals: 120 events, 40 of them ERROR.
  const total = (m: Map<string, [number, string][]>, level: string) =>
    Math.max(
      0,
      ...[...m.entries()]
        .filter(
          ([k]) => JSON.parse(k).__name__ === 'butler_sos_log_events_total' && JSON.parse(k).level === level,
        )
        .flatMap(([, v]) => v.map(([, x]) => Number(x))),
    );
  assert.deepEqual([total(pair, 'ERROR'), total(pair, 'WARN')], [40, 80]);
  assert.deepEqual([total(alone, 'ERROR'), total(alone, 'WARN')], [40, 80]);
});
