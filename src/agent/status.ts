/**
 * The agent's status for the web UI, `/status` and the health check: per Sense server, up or
 * failing with the last poll error; per destination queue, the delivery counters.
 */
import type { QueueStatus } from '../components/destination.ts';
import type { PolledServerStatus } from '../components/source.ts';

export interface AgentStatusInputs {
  version: string;
  startedAt: Date;
  servers: readonly PolledServerStatus[];
  queues: readonly QueueStatus[];
}

export function buildStatus(inputs: AgentStatusInputs) {
  return {
    version: inputs.version,
    startedAt: inputs.startedAt.toISOString(),
    servers: inputs.servers.map(({ serverName, host, state, lastError }) => ({
      serverName,
      host,
      state,
      lastError,
    })),
    destinations: inputs.queues.map(({ name, destination, stats, spooledBytes }) => ({
      name,
      kind: destination,
      ...stats,
      spooledBytes,
    })),
  };
}

export type AgentStatus = ReturnType<typeof buildStatus>;
