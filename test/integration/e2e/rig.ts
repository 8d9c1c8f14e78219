/**
 * What every fault test starts with: a temp folder, free ports, the agent as a child process,
 * and an `after` hook that stops whatever the test started (streams, agents, services, fakes),
 * plus the agent-status helpers both fault files use.
 */
import {
  type AgentDestinationStatus,
  type AgentProcess,
  destinationsOf,
  type E2eConfigOptions,
  e2eConfig,
  freeUdpPort,
  makeAgentDir,
  removeAgentDir,
  spawnAgent,
  tail,
} from '../../support/agent-process.ts';
import type { FakeInflux } from '../../support/fake-influxdb.ts';
import { freePort, type PrivateService, startPrivateInfluxDb } from '../../support/services.ts';
import type { EventStream } from './helpers.ts';

export interface Rig {
  dir: string;
  udpPort: number;
  webUiPort: number;
  agents: AgentProcess[];
  streams: EventStream[];
  services: PrivateService[];
  fakes: FakeInflux[];
}

export async function rig(t: { after(fn: () => Promise<void>): void }): Promise<Rig> {
  const r: Rig = {
    dir: makeAgentDir(),
    udpPort: await freeUdpPort(),
    webUiPort: await freePort(),
    agents: [],
    streams: [],
    services: [],
    fakes: [],
  };
  t.after(async () => {
    await Promise.allSettled(r.streams.map((s) => s.stop()));
    await Promise.allSettled(r.agents.map((a) => a.kill()));
    await Promise.allSettled(r.services.map((s) => s.stop()));
    await Promise.allSettled(r.fakes.map((f) => f.close()));
    removeAgentDir(r.dir);
  });
  return r;
}

/** The e2e agent config on the rig's UDP port, web UI port and spool folder. */
export function rigConfig(
  r: Rig,
  options: Omit<E2eConfigOptions, 'logEventPort' | 'webUiPort' | 'spoolDirectory'>,
): Record<string, unknown> {
  return e2eConfig({
    logEventPort: r.udpPort,
    webUiPort: r.webUiPort,
    spoolDirectory: `${r.dir}/spool`,
    ...options,
  });
}

/** A private InfluxDB 1.x the test may kill and restart; stopped by the rig's `after`. */
export async function privateInflux(r: Rig): Promise<PrivateService> {
  const influx = await startPrivateInfluxDb();
  r.services.push(influx);
  return influx;
}

/** Starts the agent with `config` in the rig's folder (killed by the rig's `after`). */
export async function start(r: Rig, config: Record<string, unknown>): Promise<AgentProcess> {
  const agent = await spawnAgent({ config, dir: r.dir, webUiPort: r.webUiPort });
  r.agents.push(agent);
  return agent;
}

/** The agent's status entry of the one destination whose name matches `kind`. */
export async function destination(agent: AgentProcess, kind: RegExp): Promise<AgentDestinationStatus> {
  const found = destinationsOf(await agent.status()).filter((d) => kind.test(d.name));
  if (found.length !== 1)
    throw new Error(`expected one ${kind} destination in /api/status, got ${found.length}`);
  return found[0] as AgentDestinationStatus;
}

export const inMemory = (d: AgentDestinationStatus) => (d.queued ?? 0) + (d.inFlight ?? 0);
export const settled = (d: AgentDestinationStatus) => inMemory(d) + (d.spooled ?? 0) === 0;

/** Logged once the InfluxDB destination is provisioned (database and retention policy). */
export const INFLUX_READY = /CONFIG: InfluxDB .* is ready/;

/** The tail of the agent's output, for failure messages. */
export function explain(agent: AgentProcess): string {
  return `\n--- agent output (tail) ---\n${tail(agent.output(), 30)}`;
}
