/**
 * The part of a Butler SOS config that points the agent at a running simulator:
 * `cert`, `appNames` and `serversToMonitor`, as YAML under the `Butler-SOS` root key.
 */
import { stringify } from 'yaml';
import type { RunningSimulator } from './index.ts';

export function configSnippet(sim: Pick<RunningSimulator, 'servers' | 'qrsHost' | 'certFiles'>): string {
  const config = {
    'Butler-SOS': {
      cert: {
        clientCert: sim.certFiles.clientCert,
        clientCertKey: sim.certFiles.clientCertKey,
        clientCertCA: sim.certFiles.clientCertCA,
        clientCertPassphrase: null,
      },
      appNames: {
        enableAppNameExtract: true,
        extractInterval: 60000,
        // The simulator's QRS may not be on 4242, so the port is given explicitly.
        hostIP: sim.qrsHost,
      },
      serversToMonitor: {
        pollingInterval: 30000,
        rejectUnauthorized: true,
        serverTagsDefinition: ['server_group'],
        servers: sim.servers.map((s, i) => ({
          host: s.engineHost,
          serverName: s.serverName,
          serverDescription: `Simulated Sense node ${i + 1}`,
          userSessions: {
            enable: true,
            host: s.proxyHost,
            virtualProxies: s.virtualProxies.map((virtualProxy) => ({ virtualProxy })),
          },
          serverTags: { server_group: 'SIMULATED' },
          headers: null,
        })),
      },
    },
  };
  return stringify(config, { lineWidth: 0 });
}
