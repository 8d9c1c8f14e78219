/**
 * The whole agent pushing with remote write to the real receivers (Prometheus 2.42 with its
 * remote-write receiver, VictoriaMetrics), through a loopback proxy that keeps every request
 * it forwards: what the receivers HOLD is exactly what the agent SENT, sample by sample
 * (series, timestamp, value), for the Sense metrics, the agent's own and process metrics, and
 * the event counters; and a failed poll ends its series at once in Prometheus.
 */
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { after, before, describe, test } from 'node:test';
import { engineLogDatagram, userSessionDatagram } from '../../../sim/datagrams.ts';
import { type InProcessAgent, startAgentInProcess, udpEventsOnLoopback } from '../../support/agent-config.ts';
import { freeUdpPort } from '../../support/agent-process.ts';
import { type RecordingProxy, STALE_BITS, startRecordingProxy } from '../../support/remote-write.ts';
import { flushVictoriaMetrics, sharedServices, uniqueName, waitFor } from '../../support/services.ts';
import { type SimulatedCluster, startSimulatedCluster } from '../agent/simulated-cluster.ts';
import {
  asVictoriaMetricsStores,
  exportPrometheus,
  exportVictoriaMetrics,
  type StoredSamples,
  sentSamples,
  withinPrecision,
} from './stored.ts';

const services = sharedServices();
const job = uniqueName('rw_job');
let cluster: SimulatedCluster;
let agent: InProcessAgent;
let toPrometheus: RecordingProxy;
let toVictoria: RecordingProxy;
let logPort: number;
let userPort: number;

async function send(port: number, datagrams: string[]): Promise<void> {
  const socket = createSocket('udp4');
  for (const text of datagrams) {
    await new Promise<void>((resolve, reject) =>
      socket.send(Buffer.from(text), port, '127.0.0.1', (error) => (error ? reject(error) : resolve())),
    );
  }
  socket.close();
}

before(async () => {
  cluster = await startSimulatedCluster(16);
  toPrometheus = await startRecordingProxy(`${services.prometheusUrl}/api/v1/write`);
  toVictoria = await startRecordingProxy(`${services.victoriametricsUrl}/api/v1/write`);
  logPort = await freeUdpPort();
  userPort = await freeUdpPort();
  agent = await startAgentInProcess({
    sim: cluster.sim,
    destinations: {},
    extra: {
      ...udpEventsOnLoopback(logPort, userPort),
      remoteWrite: {
        enable: true,
        intervalMs: 1000,
        job,
        instance: 'agent-under-test',
        endpoints: [
          { name: 'prometheus', url: toPrometheus.url, externalLabels: [{ name: 'site', value: 'oslo' }] },
          { name: 'victoria', url: toVictoria.url, externalLabels: [{ name: 'site', value: 'oslo' }] },
        ],
      },
    },
  });
});

after(async () => {
  await agent?.stop();
  await toPrometheus?.close();
  await toVictoria?.close();
  await cluster?.stop();
});

describe('remote write into real receivers', () => {
  test('Prometheus and VictoriaMetrics hold exactly the samples the agent sent', async () => {
    const levels = ['WARN', 'ERROR', 'ERROR', 'FATAL'];
    await send(
      logPort,
      Array.from({ length: 40 }, (_, i) =>
        engineLogDatagram({ rownum: i + 1, level: levels[i % 4] ?? 'WARN' }),
      ),
    );
    await send(
      userPort,
      Array.from({ length: 12 }, () => userSessionDatagram()),
    );
    // Three pushes of the agent's metrics, so the counters are sent with their final values.
    await new Promise((resolve) => setTimeout(resolve, 3500));
    await agent.stop();

    // VictoriaMetrics keeps about 12 significant digits and stores no NaN (by design); the
    // comparison with it is made on what it can hold.
    for (const [proxy, stored, asStored] of [
      [toPrometheus, () => exportPrometheus(services.prometheusUrl, job), sentSamples],
      [
        toVictoria,
        async () => {
          await flushVictoriaMetrics(services.victoriametricsUrl);
          return exportVictoriaMetrics(services.victoriametricsUrl, job);
        },
        asVictoriaMetricsStores,
      ],
    ] as const) {
      assert.ok(proxy.requests.length > 0, 'the agent sent requests');
      assert.ok(
        proxy.requests.every((r) => r.status >= 200 && r.status < 300),
        'every request was accepted',
      );
      const sent = asStored(proxy.requests);
      const count = (samples: StoredSamples) => [...samples.values()].reduce((n, list) => n + list.length, 0);
      // VictoriaMetrics makes samples searchable at its next flush: ask until all are there.
      let held: StoredSamples = new Map();
      await waitFor(async () => {
        held = await stored();
        return count(held) >= count(sent) ? true : undefined;
      }, 15_000).catch(() => {});
      assert.deepEqual(withinPrecision(held, sent), sent);
    }
  });

  test('the sent samples carry every kind of metric, with the scrape names and the endpoint labels', () => {
    const sent = sentSamples(toVictoria.requests);
    const names = new Set([...sent.keys()].map((key) => JSON.parse(key).__name__ as string));
    for (const name of [
      'butlersos_mem_committed',
      'butlersos_cpu_total',
      'butlersos_user_session_total',
      'butler_sos_delivery_delivered_total',
      'butlersos_udp_datagrams_received_total',
      'process_cpu_user_seconds_total',
      'nodejs_heap_size_used_bytes',
      'butler_sos_log_events_total',
      'butler_sos_user_events_total',
    ]) {
      assert.ok(names.has(name), `no ${name} among ${[...names].sort().join(', ')}`);
    }
    const errors = [...sent.entries()].find(([key]) => {
      const l = JSON.parse(key);
      return l.__name__ === 'butler_sos_log_events_total' && l.level === 'ERROR';
    });
    assert.ok(errors, 'an ERROR counter series');
    const labels = JSON.parse(errors[0]);
    assert.deepEqual(
      [labels.job, labels.instance, labels.site, labels.host, labels.source],
      [job, 'agent-under-test', 'oslo', 'qsnode-a.northwind.test', 'qseow-engine'],
    );
    assert.equal(Math.max(...errors[1].map(([, v]) => Number(v))), 20, '20 of 40 events were ERROR');
    const users = [...sent.entries()].find(
      ([key]) => JSON.parse(key).__name__ === 'butler_sos_user_events_total',
    );
    assert.equal(Math.max(...(users?.[1] ?? []).map(([, v]) => Number(v))), 12);
  });
});

describe('staleness', () => {
  test('a failed poll ends the server’s series in Prometheus at once', async () => {
    const staleJob = uniqueName('rw_stale');
    const proxy = await startRecordingProxy(`${services.prometheusUrl}/api/v1/write`);
    const second = await startAgentInProcess({
      sim: cluster.sim,
      destinations: {},
      extra: {
        remoteWrite: { enable: true, intervalMs: 1000, job: staleJob, endpoints: [{ url: proxy.url }] },
      },
    });
    const [failing, healthy] = cluster.sim.servers;
    try {
      const present = async () =>
        (await exportPrometheus(services.prometheusUrl, staleJob, 'butlersos_cpu_total', true)).size;
      await waitFor(async () => ((await present()) === 3 ? true : undefined), 15_000);
      await failing?.setFailure('http500');
      // The next poll fails: its series get a staleness marker and leave the instant query.
      const left = await waitFor(async () => ((await present()) === 2 ? true : undefined), 15_000);
      assert.ok(left);
      const markers = proxy.requests.flatMap((r) =>
        r.series.filter((s) => s.samples.some((sample) => sample.bits === STALE_BITS)).map((s) => s.labels),
      );
      assert.ok(
        markers.some((l) => l.server_name === failing?.serverName && l.__name__ === 'butlersos_cpu_total'),
      );
      assert.ok(!markers.some((l) => l.server_name === healthy?.serverName));
    } finally {
      await failing?.setFailure(null);
      await second.stop();
      await proxy.close();
    }
  });
});
