/**
 * The identity of a monitored Sense server, attached once at the source to every record
 * polled from it (docs/reference/sense-apis.md#server-tags, docs/reference/destinations.md#server-tags).
 */

/** One entry of `serversToMonitor.servers[]` (upstream config key names). */
export interface SenseServerConfig {
  host: string;
  serverName: string;
  serverDescription: string;
  userSessions?: {
    enable: boolean;
    host: string;
    virtualProxies: { virtualProxy: string }[] | null;
  } | null;
  serverTags?: Record<string, unknown> | null;
  headers?: Record<string, unknown> | null;
}

export interface ServerIdentity {
  serverName: string;
  /** `servers[].host` as configured, including the port (e.g. `sense1.corp:4747`). */
  host: string;
  serverDescription: string;
  /**
   * The server tag set, in upstream order: `host` (port stripped), `server_name`,
   * `server_description`, then every `serverTags` entry (stringified; a custom tag named
   * like a built-in one overrides it). Used as InfluxDB tags, Prometheus labels and New
   * Relic attributes.
   */
  tags: Readonly<Record<string, string>>;
}

/** Everything from the first `:` removed, as upstream does (breaks IPv6 literals, as upstream). */
export function hostWithoutPort(host: string): string {
  const colon = host.indexOf(':');
  return colon === -1 ? host : host.slice(0, colon);
}

export function serverIdentity(server: SenseServerConfig): ServerIdentity {
  const tags: Record<string, string> = {
    host: hostWithoutPort(server.host),
    server_name: server.serverName,
    server_description: server.serverDescription,
  };
  for (const [name, value] of Object.entries(server.serverTags ?? {})) {
    if (value === undefined || value === null) continue;
    tags[name] = String(value);
  }
  return Object.freeze({
    serverName: server.serverName,
    host: server.host,
    serverDescription: server.serverDescription,
    tags: Object.freeze(tags),
  });
}
