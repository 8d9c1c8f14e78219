/**
 * The Prometheus series of a server that stops answering, through the whole agent and a
 * real Prometheus scraping it. Upstream keeps exporting the last values forever
 * (docs/reference/prometheus.md#staleness-and-expiry); here the series of a server or virtual
 * proxy that disappears are removed instead of going stale forever. Checked: the failing
 * server's health and session series leave the scrape (Prometheus then marks them stale) within a
 * few polling intervals while the other servers' stay, and they come back when it answers again.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { RunningSimulator, SimulatedServer } from '../../../sim/index.ts';
import { type InProcessAgent, startAgentInProcess } from '../../support/agent-config.ts';
import {
  type PrometheusScrapeTarget,
  queryPrometheus,
  scrapeByPrometheus,
  waitFor,
} from '../../support/services.ts';
import { type SimulatedCluster, startSimulatedCluster, VIRTUAL_PROXIES } from './simulated-cluster.ts';

const POLL_MS = 1000;

describe('agent: Prometheus series of a server that stops answering', () => {
  let cluster: SimulatedCluster | undefined;
  let sim: RunningSimulator;
  let agent: InProcessAgent;
  let hostPort: string;
  let scrape: PrometheusScrapeTarget | undefined;

  before(async () => {
    cluster = await startSimulatedCluster(12);
    sim = cluster.sim;
    agent = await startAgentInProcess({ sim, pollingIntervalMs: POLL_MS, destinations: { prometheus: {} } });
    hostPort = new URL(agent.metricsUrl as string).host;
    scrape = await scrapeByPrometheus(hostPort, { suite: 'agent-prom-expiry' });
  });

  after(async () => {
    await scrape?.remove();
    await agent?.stop();
    await cluster?.stop();
  });

  it('are removed (not stale forever) and come back when the server answers again', async () => {
    const gone = sim.servers[0] as SimulatedServer;
    const ofGone = (metric: string) => `${metric}{instance="${hostPort}",server_name="${gone.serverName}"}`;
    await waitFor(async () => {
      const health = await queryPrometheus(ofGone('butlersos_cpu_total'));
      const sessions = await queryPrometheus(ofGone('butlersos_user_session_total'));
      return health.length === 1 && sessions.length === VIRTUAL_PROXIES.length;
    }, 15_000);

    await gone.setFailure('refuse');
    // Upstream keeps the last values forever (docs/reference/prometheus.md#staleness-and-expiry);
    // the agent removes them. Give it 10 polling intervals to drop them from its scrape
    // (Prometheus then marks them stale).
    await waitFor(
      async () => {
        const health = await queryPrometheus(ofGone('butlersos_cpu_total'));
        const sessions = await queryPrometheus(ofGone('butlersos_user_session_total'));
        return health.length === 0 && sessions.length === 0;
      },
      10 * POLL_MS + 3000,
    ).catch((error: Error) => {
      throw new Error(
        `series of ${gone.serverName} still exported ${10 * POLL_MS} ms after it stopped answering ` +
          `(is prometheus scopeExpiryMs wired, or are scopes removed on a failed poll?): ${error.message}`,
      );
    });
    // The other servers keep theirs.
    const others = await queryPrometheus(`butlersos_cpu_total{instance="${hostPort}"}`);
    assert.equal(others.length, 2);

    await gone.setFailure(null);
    await waitFor(async () => (await queryPrometheus(ofGone('butlersos_cpu_total'))).length === 1, 10_000);
  });
});
