/**
 * What the Sense polls read: the client certificates (`cert`), the servers and their engine
 * health polls (`serversToMonitor`), the proxy session polls (`userSessions`) and the app name
 * table's source (`appNames`).
 */
import { z } from 'zod';
import type { SettingsCheck } from '../../config/kit/check.ts';
import { bool, list, positive, section, str, text, userRef } from '../../config/kit/fields.ts';
import type { KeyPath } from '../../config/kit/paths.ts';
import type { PrometheusConfig } from '../../destinations/prometheus/config.ts';

export const certSchema = section(
  {
    clientCert: str('', 'Path of the Sense client certificate (PEM).'),
    clientCertKey: str('', 'Path of the client certificate private key (PEM).'),
    clientCertCA: str('', 'Path of the Sense root CA certificate (PEM).'),
    clientCertPassphrase: z
      .preprocess((value) => value ?? '', z.string())
      .describe('Private key passphrase (secret); empty when the key is not encrypted.'),
  },
  'Client certificates for Sense (export them from the QMC).',
);

export const appNamesSchema = section(
  {
    enableAppNameExtract: bool(false, 'Fetch app ids and names from the repository service periodically.'),
    extractInterval: positive(60000, 'Fetch interval (ms).'),
    hostIP: str('', 'Repository (QRS) host; port 4242 (required when enabled).'),
  },
  'App name extraction.',
);

export const userSessionsSchema = section(
  {
    enableSessionExtract: bool(false, 'Poll proxy sessions per virtual proxy.'),
    pollingInterval: positive(30000, 'Poll interval (ms).'),
    excludeUser: list(userRef, 'Users left out of per-session detail points.'),
  },
  'Proxy sessions.',
);

const tagValue = z.union([z.string(), z.number(), z.boolean()], { error: 'expected a string' });

const server = z.strictObject({
  host: z.string().min(1).describe('Engine host:port (healthcheck).'),
  serverName: z.string().min(1).describe('Tag server_name.'),
  serverDescription: str('', 'Tag server_description.'),
  userSessions: section(
    {
      enable: bool(false, 'Poll proxy sessions on this server.'),
      host: str('', 'Proxy host:port (required when enabled).'),
      virtualProxies: list(
        z.strictObject({
          virtualProxy: z.string().describe('Virtual proxy prefix with leading slash; / = default.'),
        }),
        'Virtual proxies.',
      ),
    },
    'Proxy sessions on this server.',
  ),
  serverTags: z
    .preprocess((value) => value ?? {}, z.record(z.string(), tagValue))
    .describe('Values of the tags named in serverTagsDefinition.'),
  headers: z
    .preprocess((value) => value ?? {}, z.record(z.string(), text))
    .describe('Extra HTTP headers on healthcheck requests (values are secret).'),
  logDbHost: z
    .string()
    .optional()
    .describe('Host name as in the log database column process_host (logdb; case-insensitive).'),
});

export const serversToMonitorSchema = section(
  {
    pollingInterval: positive(30000, 'Engine healthcheck poll interval (ms).'),
    rejectUnauthorized: bool(true, 'Verify the Sense servers TLS certificates.'),
    serverTagsDefinition: list(z.string(), 'Names of the extra per-server tags.'),
    servers: list(server, 'Sense servers to poll.'),
  },
  'Sense servers.',
);

export type CertConfig = z.output<typeof certSchema>;
export type AppNamesConfig = z.output<typeof appNamesSchema>;
export type UserSessionsConfig = z.output<typeof userSessionsSchema>;
export type ServersToMonitorConfig = z.output<typeof serversToMonitorSchema>;

const PROMETHEUS_LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

type ServersSettings = {
  serversToMonitor: ServersToMonitorConfig;
  userSessions: UserSessionsConfig;
  prometheus: PrometheusConfig;
};

export function checkServersToMonitor(s: ServersSettings, check: SettingsCheck): void {
  checkServerTags(s.serversToMonitor, check);
  if (s.prometheus.enable) checkTagNamesAsLabels(s.serversToMonitor.serverTagsDefinition, check);
  checkServers(s, check);
}

/** Every defined tag on every server, and only defined tags. */
function checkServerTags(config: ServersToMonitorConfig, check: SettingsCheck): void {
  const definition = config.serverTagsDefinition;
  config.servers.forEach((server, i) => {
    const serverPath = ['serversToMonitor', 'servers', i];
    for (const tag of definition) {
      if (!Object.hasOwn(server.serverTags, tag)) {
        check.error(
          [...serverPath, 'serverTags'],
          `Server tag "${tag}" is not defined for server "${server.serverName}"`,
          `a value for tag "${tag}"`,
        );
      }
    }
    for (const tag of Object.keys(server.serverTags)) {
      if (!definition.includes(tag)) {
        check.error(
          [...serverPath, 'serverTags', tag],
          `Server tag "${tag}" for server "${server.serverName}" is not defined in Butler-SOS.serversToMonitor.serverTagsDefinition`,
          'only tags listed in serverTagsDefinition',
        );
      }
    }
  });
}

/** Prometheus exports the server tags as labels, whose names are restricted. */
function checkTagNamesAsLabels(definition: readonly string[], check: SettingsCheck): void {
  definition.forEach((tag, i) => {
    if (!PROMETHEUS_LABEL.test(tag)) {
      check.error(
        ['serversToMonitor', 'serverTagsDefinition', i],
        `tag name "${tag}" is not a valid Prometheus label name (prometheus.enable is true)`,
        'a name matching [a-zA-Z_][a-zA-Z0-9_]*',
      );
    }
  });
}

/** Distinct server names; proxy session settings where they are used. */
function checkServers(s: ServersSettings, check: SettingsCheck): void {
  const seen = new Map<string, number>();
  s.serversToMonitor.servers.forEach((server, i) => {
    const previous = seen.get(server.serverName);
    if (previous !== undefined) {
      check.warn(
        ['serversToMonitor', 'servers', i, 'serverName'],
        `server name "${server.serverName}" is also used by servers[${previous}]; their metrics will be mixed`,
      );
    } else seen.set(server.serverName, i);
    if (server.userSessions.enable && s.userSessions.enableSessionExtract) {
      checkServerSessions(server.userSessions, ['serversToMonitor', 'servers', i, 'userSessions'], check);
    }
  });
}

function checkServerSessions(
  sessions: ServersToMonitorConfig['servers'][number]['userSessions'],
  path: KeyPath,
  check: SettingsCheck,
): void {
  const because = 'userSessions.enable is true for this server';
  check.requireText(
    [...path, 'host'],
    sessions.host,
    because,
    'the proxy host:port, e.g. sense1.my.domain:4243',
  );
  if (sessions.virtualProxies.length === 0) {
    check.error(
      [...path, 'virtualProxies'],
      `must list at least one virtual proxy because ${because}`,
      'a list such as - virtualProxy: /',
    );
  }
  sessions.virtualProxies.forEach((proxy, j) => {
    if (!proxy.virtualProxy.startsWith('/')) {
      check.error(
        [...path, 'virtualProxies', j, 'virtualProxy'],
        `virtual proxy "${proxy.virtualProxy}" must start with "/"`,
        'a prefix such as / or /hdr',
      );
    }
  });
}

export function checkAppNames(s: { appNames: AppNamesConfig }, check: SettingsCheck): void {
  if (!s.appNames.enableAppNameExtract) return;
  // Upstream fixes the QRS port at 4242; an explicit `host:port` is accepted as an extension
  // (a QRS behind another port, or the simulator).
  const qrsHost = /^(.+):(\d{1,5})$/.exec(s.appNames.hostIP)?.[1] ?? s.appNames.hostIP;
  check.requireHost(['appNames', 'hostIP'], qrsHost, 'appNames.enableAppNameExtract is true');
}
