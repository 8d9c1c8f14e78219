/**
 * The web config file, in the Prometheus exporter-toolkit format
 * (docs/reference/http-security.md#the-web-config-file): TLS certificate and key, an optional
 * client CA, and basic-auth users with bcrypt hashes. One file serves every HTTP endpoint.
 *
 * This module checks the parsed document and names every problem with its key; the YAML
 * parsing is the caller's (the config checker has the parser loaded already; the agent loads it
 * only when a web config file is configured). Relative paths in the file are resolved against
 * the file's own folder, as the exporter toolkit does.
 */
import { dirname, resolve } from 'node:path';

export const WEB_CONFIG_MAX_BYTES = 64 * 1024;

/** Client certificate policies, by their exporter-toolkit names. */
export const CLIENT_AUTH_TYPES = [
  'NoClientCert',
  'VerifyClientCertIfGiven',
  'RequireAndVerifyClientCert',
] as const;
export type ClientAuthType = (typeof CLIENT_AUTH_TYPES)[number];

const TLS_VERSIONS: Record<string, 'TLSv1.2' | 'TLSv1.3'> = { TLS12: 'TLSv1.2', TLS13: 'TLSv1.3' };

export interface WebConfigTls {
  certFile: string;
  keyFile: string;
  clientCaFile?: string;
  clientAuth: ClientAuthType;
  minVersion: 'TLSv1.2' | 'TLSv1.3';
}

export interface WebConfig {
  /** Absolute path of the file. */
  file: string;
  tls?: WebConfigTls;
  /** User name → bcrypt hash. Empty: no basic auth. */
  users: Record<string, string>;
}

export class WebConfigError extends Error {
  readonly file: string;
  readonly problems: string[];
  constructor(file: string, problems: string[]) {
    super(`web config file ${file}: ${problems.join('; ')}`);
    this.name = 'WebConfigError';
    this.file = file;
    this.problems = problems;
  }
}

/** A bcrypt hash as the exporter toolkit accepts them (`$2a$`, `$2b$`, `$2y$`, cost 04–31). */
const BCRYPT_HASH = /^\$2[aby]?\$(0[4-9]|[12]\d|3[01])\$[./A-Za-z0-9]{53}$/;

/** Keys of the exporter-toolkit format that this implementation does not offer, and what to use instead. */
const UNSUPPORTED: Record<string, string> = {
  http_server_config: 'HTTP/2 and custom headers are not offered',
  rate_limit: 'use httpSecurity.rateLimitPerMinute in the Butler SOS config',
};

type Plain = Record<string, unknown>;
const isPlain = (v: unknown): v is Plain => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Checks a parsed web config document; throws WebConfigError listing every problem. */
export function webConfigFromDocument(document: unknown, file: string): WebConfig {
  const problems: string[] = [];
  const base = dirname(file);
  if (document === null || document === undefined) return { file, users: {} };
  if (!isPlain(document)) throw new WebConfigError(file, ['the file must be a YAML mapping']);
  for (const key of Object.keys(document)) {
    if (key === 'tls_server_config' || key === 'basic_auth_users') continue;
    problems.push(UNSUPPORTED[key] ? `${key} is not supported: ${UNSUPPORTED[key]}` : `unknown key ${key}`);
  }
  const tls = tlsOf(document.tls_server_config, base, problems);
  const users = usersOf(document.basic_auth_users, problems);
  if (problems.length > 0) throw new WebConfigError(file, problems);
  return { file, ...(tls ? { tls } : {}), users };
}

function text(value: unknown, key: string, problems: string[]): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') {
    problems.push(`${key} must be a string`);
    return undefined;
  }
  return value;
}

function tlsOf(raw: unknown, base: string, problems: string[]): WebConfigTls | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (!isPlain(raw)) {
    problems.push('tls_server_config must be a mapping');
    return undefined;
  }
  const known = new Set(['cert_file', 'key_file', 'client_ca_file', 'client_auth_type', 'min_version']);
  for (const key of Object.keys(raw)) {
    if (!known.has(key)) problems.push(`tls_server_config.${key} is not supported`);
  }
  const certFile = text(raw.cert_file, 'tls_server_config.cert_file', problems);
  const keyFile = text(raw.key_file, 'tls_server_config.key_file', problems);
  const clientCaFile = text(raw.client_ca_file, 'tls_server_config.client_ca_file', problems);
  const authText =
    text(raw.client_auth_type, 'tls_server_config.client_auth_type', problems) ?? 'NoClientCert';
  const versionText = text(raw.min_version, 'tls_server_config.min_version', problems) ?? 'TLS12';
  if (!certFile) problems.push('tls_server_config.cert_file is required');
  if (!keyFile) problems.push('tls_server_config.key_file is required');
  const clientAuth = (CLIENT_AUTH_TYPES as readonly string[]).includes(authText)
    ? (authText as ClientAuthType)
    : undefined;
  if (!clientAuth) {
    problems.push(
      `tls_server_config.client_auth_type "${authText}" is not supported (one of ${CLIENT_AUTH_TYPES.join(', ')})`,
    );
  }
  // As the exporter toolkit: a client CA without a policy that uses it is a mistake, not a default.
  if (clientCaFile && clientAuth === 'NoClientCert') {
    problems.push(
      'tls_server_config.client_ca_file is set but client_auth_type does not verify client certificates',
    );
  }
  if (!clientCaFile && clientAuth && clientAuth !== 'NoClientCert') {
    problems.push(`tls_server_config.client_auth_type ${clientAuth} needs client_ca_file`);
  }
  const minVersion = TLS_VERSIONS[versionText];
  if (!minVersion)
    problems.push(`tls_server_config.min_version "${versionText}" is not supported (TLS12 or TLS13)`);
  if (!certFile || !keyFile || !clientAuth || !minVersion) return undefined;
  return {
    certFile: resolve(base, certFile),
    keyFile: resolve(base, keyFile),
    ...(clientCaFile ? { clientCaFile: resolve(base, clientCaFile) } : {}),
    clientAuth,
    minVersion,
  };
}

function usersOf(raw: unknown, problems: string[]): Record<string, string> {
  if (raw === undefined || raw === null) return {};
  if (!isPlain(raw)) {
    problems.push('basic_auth_users must be a mapping of user name to bcrypt hash');
    return {};
  }
  const users: Record<string, string> = {};
  for (const [name, hash] of Object.entries(raw)) {
    // The hash itself is never echoed: it is a secret too (it can be attacked offline).
    if (name.includes(':')) problems.push(`basic_auth_users: user name "${name}" must not contain ":"`);
    else if (typeof hash !== 'string' || !BCRYPT_HASH.test(hash)) {
      problems.push(`basic_auth_users.${name} is not a bcrypt hash ($2y$10$... as htpasswd -nBC 10 prints)`);
    } else users[name] = hash;
  }
  return users;
}
