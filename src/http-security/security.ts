/**
 * What every HTTP endpoint of the agent is protected with, loaded once from the `httpSecurity`
 * section and its web config file: TLS material (read with a size cap and tried with OpenSSL, so
 * a wrong file fails the start with its key named, not the first handshake), the basic-auth
 * users, the Host names accepted and the rate limit.
 */
import { createRequire } from 'node:module';
import { resolveConfiguredPath } from '../config/kit/paths.ts';
import { CappedReadError, PEM_FILE_MAX_BYTES, readFileCapped } from '../config/kit/read-capped.ts';
import type { HttpSecurityConfig } from './config.ts';
import {
  type ClientAuthType,
  WEB_CONFIG_MAX_BYTES,
  type WebConfig,
  WebConfigError,
  webConfigFromDocument,
} from './web-config.ts';

const load = createRequire(import.meta.url);

export interface TlsMaterial {
  cert: Buffer;
  key: Buffer;
  ca?: Buffer;
  clientAuth: ClientAuthType;
  minVersion: 'TLSv1.2' | 'TLSv1.3';
}

export interface HttpSecurity {
  /** Absolute path of the web config file, when one is configured. */
  webConfigFile?: string;
  tls?: TlsMaterial;
  /** User name → bcrypt hash; empty: no basic auth. */
  users: Record<string, string>;
  allowedHosts: readonly string[];
  rateLimitPerMinute: number;
}

/** No web config: plain HTTP, no auth, loopback names only, 300 requests per minute per client. */
export const DEFAULT_HTTP_SECURITY: HttpSecurity = { users: {}, allowedHosts: [], rateLimitPerMinute: 300 };

export type ParseYaml = (text: string) => unknown;

/** True when basic auth is configured. */
export function hasUsers(security: HttpSecurity): boolean {
  return Object.keys(security.users).length > 0;
}

/**
 * Reads the web config file (if any) and its TLS files. `parse` is the YAML parser; without it the
 * `yaml` package is loaded here (only agents that configure a web config file pay for it).
 * Throws WebConfigError naming the file and every problem.
 */
export async function loadHttpSecurity(
  config: HttpSecurityConfig,
  resolvePath: (path: string) => string,
  parse?: ParseYaml,
): Promise<HttpSecurity> {
  if (config.webConfigFile.trim() === '') return baseOf(config);
  const yamlParse = parse ?? (await import('yaml')).parse;
  return loadHttpSecuritySync(config, resolvePath, yamlParse);
}

/** As loadHttpSecurity, with the YAML parser given (the config checker's). */
export function loadHttpSecuritySync(
  config: HttpSecurityConfig,
  resolvePath: (path: string) => string,
  parse: ParseYaml,
): HttpSecurity {
  if (config.webConfigFile.trim() === '') return baseOf(config);
  const file = resolvePath(config.webConfigFile);
  const webConfig = readWebConfig(file, parse);
  return {
    ...baseOf(config),
    webConfigFile: file,
    ...(webConfig.tls ? { tls: tlsMaterial(webConfig) } : {}),
    users: webConfig.users,
  };
}

function baseOf(config: HttpSecurityConfig): HttpSecurity {
  return { users: {}, allowedHosts: config.allowedHosts, rateLimitPerMinute: config.rateLimitPerMinute };
}

function readWebConfig(file: string, parse: ParseYaml): WebConfig {
  let text: string;
  try {
    text = readFileCapped(file, WEB_CONFIG_MAX_BYTES).toString('utf8');
  } catch (error) {
    throw new WebConfigError(file, [`the file ${(error as Error).message}`]);
  }
  let document: unknown;
  try {
    document = parse(text);
  } catch (error) {
    // The parser's first line names the problem and its line; the rest is an excerpt.
    throw new WebConfigError(file, [`not valid YAML: ${String((error as Error).message).split('\n')[0]}`]);
  }
  return webConfigFromDocument(document, file);
}

function tlsMaterial(webConfig: WebConfig): TlsMaterial {
  const tls = webConfig.tls!;
  const problems: string[] = [];
  const read = (key: string, path: string): Buffer | undefined => {
    try {
      return readFileCapped(path, PEM_FILE_MAX_BYTES);
    } catch (error) {
      const reason = error instanceof CappedReadError ? error.message : String(error);
      problems.push(`tls_server_config.${key} ${path} ${reason}`);
      return undefined;
    }
  };
  const cert = read('cert_file', tls.certFile);
  const key = read('key_file', tls.keyFile);
  const ca = tls.clientCaFile ? read('client_ca_file', tls.clientCaFile) : undefined;
  if (problems.length > 0 || !cert || !key) throw new WebConfigError(webConfig.file, problems);
  try {
    // OpenSSL's own check: PEM that parses, a key that matches the certificate. node:tls (about
    // 5 MB resident) is loaded here, only when TLS is configured, not by every agent.
    const { createSecureContext } = load('node:tls') as typeof import('node:tls');
    createSecureContext({ cert, key, ...(ca ? { ca } : {}) });
  } catch (error) {
    throw new WebConfigError(webConfig.file, [
      `tls_server_config: the certificate, key or client CA cannot be used: ${(error as Error).message}`,
    ]);
  }
  return { cert, key, ...(ca ? { ca } : {}), clientAuth: tls.clientAuth, minVersion: tls.minVersion };
}

const loaded = new WeakMap<HttpSecurityConfig, Promise<HttpSecurity>>();

/**
 * The security of one loaded config, read once however many endpoints ask (the web UI, /metrics
 * and the Node.js metrics endpoint share the file). Relative paths are taken from the working
 * directory, as every path of the config.
 */
export function httpSecurityOf(config: HttpSecurityConfig): Promise<HttpSecurity> {
  let security = loaded.get(config);
  if (!security) {
    security = loadHttpSecurity(config, (path) => resolveConfiguredPath(path));
    loaded.set(config, security);
  }
  return security;
}
