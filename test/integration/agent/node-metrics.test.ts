/**
 * Upstream's second Prometheus endpoint (docs/reference/prometheus.md#node-metrics-endpoint):
 * Node.js process metrics only, on prometheus.nodeMetricsHost:nodeMetricsPort, next to the Butler
 * SOS endpoint.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type InProcessAgent, startAgentInProcess } from '../../support/agent-config.ts';
import { freePort } from '../../support/services.ts';
import { type SimulatedCluster, startSimulatedCluster } from './simulated-cluster.ts';

let cluster: SimulatedCluster;
let agent: InProcessAgent;
let nodePort: number;

before(async () => {
  cluster = await startSimulatedCluster(7);
  nodePort = await freePort();
  agent = await startAgentInProcess({
    sim: cluster.sim,
    destinations: { prometheus: { port: 0, nodeMetricsPort: nodePort } },
  });
});

after(async () => {
  await agent?.stop();
  await cluster?.stop();
});

test('the Node.js metrics endpoint serves process metrics and none of the Sense metrics', async () => {
  const text = await (await fetch(`http://127.0.0.1:${nodePort}/metrics`)).text();
  assert.match(text, /^process_cpu_user_seconds_total /m);
  assert.match(text, /^nodejs_heap_size_used_bytes /m);
  assert.doesNotMatch(text, /^butlersos_/m);
  assert.ok(
    agent.lines.some((l) =>
      l.message.includes(`Node.js metrics server now listening on http://127.0.0.1:${nodePort}`),
    ),
  );
});
