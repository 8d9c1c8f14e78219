/**
 * The agent's status for the web UI, `/status` and the health check: per Sense server,
 * up or failing with the last poll error; per destination, the delivery counters.
 */
import type { SensePollingStats } from '../sources/sense-polls/polling.ts';
import type { Destinations } from './destinations.ts';

export interface AgentStatusInputs {
  version: string;
  startedAt: Date;
  polling: SensePollingStats;
  servers: readonly { serverName: string; host: string }[];
  destinations: Destinations;
}

export function buildStatus(inputs: AgentStatusInputs) {
  const failing = new Map(inputs.polling.failures.failing.map((target) => [target.serverName, target]));
  return {
    version: inputs.version,
    startedAt: inputs.startedAt.toISOString(),
    servers: inputs.servers.map((server) => {
      const failure = failing.get(server.serverName);
      return {
        serverName: server.serverName,
        host: server.host,
        state: failure ? 'failing' : 'up',
        lastError: failure ? `${failure.kind}: ${failure.reason}: ${failure.message}` : null,
      };
    }),
    destinations: inputs.destinations
      .statuses()
      .map(({ name, kind, stats, spooledBytes }) => ({ name, kind, ...stats, spooledBytes })),
  };
}
