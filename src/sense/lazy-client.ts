/**
 * A Sense client that loads the real one (client.ts: node:https and TLS, about 9 MB resident) on
 * its first request, so an agent that polls no Sense server (UDP events only) never loads it.
 */
import type { SenseClient, SenseClientOptions, SenseClientStats } from './client.ts';

const NOTHING_YET: SenseClientStats = {
  requests: 0,
  succeeded: 0,
  failed: 0,
  agentsCreated: 0,
  certificateLoads: 0,
  tlsConnections: 0,
  tlsResumed: 0,
};

export function createLazySenseClient(options: SenseClientOptions): SenseClient {
  let client: SenseClient | undefined;
  let loading: Promise<SenseClient> | undefined;
  const load = (): Promise<SenseClient> => {
    loading ??= import('./client.ts').then(({ createSenseClient }) => {
      client = createSenseClient(options);
      return client;
    });
    return loading;
  };
  return {
    getJson: async (url, request) => (await load()).getJson(url, request),
    stats: () => client?.stats() ?? { ...NOTHING_YET },
    close: async () => {
      if (loading) await (await loading).close();
    },
  };
}
