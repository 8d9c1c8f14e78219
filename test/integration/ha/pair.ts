/**
 * What the HA tests share: agents as processes of their own (so one can be SIGKILLed), each
 * polling the simulated cluster on a 1-second grid, with log and user event ports; and a
 * sender that delivers every datagram to each agent given, as Sense appenders configured
 * with two targets do.
 */
import { createSocket } from 'node:dgram';
import type { RunningSimulator } from '../../../sim/index.ts';
import { agentConfig, mergeConfig, udpEventsOnLoopback } from '../../support/agent-config.ts';
import {
  type AgentProcess,
  freeUdpPort,
  makeAgentDir,
  removeAgentDir,
  spawnAgent,
} from '../../support/agent-process.ts';

export interface PairAgent {
  name: string;
  process: AgentProcess;
  logPort: number;
  userPort: number;
}

type Plain = Record<string, unknown>;

/** Starts one agent: ha on with this replica and cluster, plus `extra` settings. */
export async function startHaAgent(
  sim: RunningSimulator,
  ha: { replica: string; cluster: string },
  extra: Plain,
): Promise<PairAgent> {
  const logPort = await freeUdpPort();
  const userPort = await freeUdpPort();
  const dir = makeAgentDir();
  const config = agentConfig({
    sim,
    destinations: {},
    extra: mergeConfig(
      {
        logLevel: 'info',
        ha: { enable: true, ...ha },
        delivery: { spoolEnable: true, spoolDirectory: `${dir}/spool`, flushIntervalMs: 200 },
        ...udpEventsOnLoopback(logPort, userPort),
      },
      extra,
    ),
  });
  const process = await spawnAgent({ config, dir, echo: Boolean(globalThis.process.env.HA_ECHO) });
  const exited = process.exited;
  void exited.finally(() => removeAgentDir(dir));
  return { name: ha.replica, process, logPort, userPort };
}

/** Sends each datagram to every agent in turn (each agent gets all of them, in order). */
export async function sendToAll(
  agents: readonly PairAgent[],
  port: 'logPort' | 'userPort',
  datagrams: string[],
) {
  const socket = createSocket('udp4');
  try {
    for (const text of datagrams) {
      for (const agent of agents) {
        await new Promise<void>((resolve, reject) =>
          socket.send(Buffer.from(text), agent[port], '127.0.0.1', (error) =>
            error ? reject(error) : resolve(),
          ),
        );
      }
    }
  } finally {
    socket.close();
  }
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits until the wall clock is between `fromMs` and `toMs` into a second. */
export async function midSecond(fromMs = 150, toMs = 500): Promise<void> {
  while (Date.now() % 1000 < fromMs || Date.now() % 1000 > toMs) await sleep(5);
}
