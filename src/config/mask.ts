/**
 * Secret masking for the config view and for anything that is logged or printed.
 *
 * maskConfig follows upstream's newer ([main]) obfuscation rules, a superset of v14's
 * (docs/reference/runtime.md#config-view-masking): mask = first N characters + exactly ten `*`.
 * - Secrets are always masked completely, whatever `obfuscate` says: every key whose name looks
 *   like a credential (password, token, API key, passphrase, secret, ...), the New Relic header
 *   values (upstream v14 leaks them) and the per-server HTTP header values.
 * - With `obfuscate` (the default), host names, paths, topics, ids get the partial masks listed
 *   there.
 * createSecretRedactor removes the secret values of a config from any text (log lines, errors).
 * The mask and the redaction itself are the secrets module's, shared with the sinks and the web UI.
 */
import { createRedactor, type KnownSecret, MASK, type Redact, SECRET_NAME } from '../secrets/redactor.ts';
import type { KeyPath } from './kit/paths.ts';

export { MASK };

type Pattern = readonly string[];
const ANY = '*';

/** Paths whose values are secret although their key name does not say so. */
const SECRET_PATHS: Pattern[] = [
  ['Butler-SOS', 'newRelic', 'event', 'header', ANY, 'value'],
  ['Butler-SOS', 'newRelic', 'metric', 'header', ANY, 'value'],
  ['Butler-SOS', 'serversToMonitor', 'servers', ANY, 'headers', ANY],
  ['Butler-SOS', 'remoteWrite', 'endpoints', ANY, 'headers', ANY, 'value'],
];

/** An entry of the engine performance monitor's app-specific include list. */
const PERF_MONITOR_APP_INCLUDE: Pattern = [
  'Butler-SOS',
  'logEvents',
  'enginePerformanceMonitor',
  'monitorFilter',
  'appSpecific',
  'app',
  ANY,
  'include',
  ANY,
];

/** Partial masks: keep the first N characters (v14's list plus upstream's [main] additions). */
const PARTIAL_MASKS: Array<[Pattern, number]> = [
  [['Butler-SOS', 'configVisualisation', 'host'], 3],
  [['Butler-SOS', 'heartbeat', 'remoteURL'], 10],
  [['Butler-SOS', 'thirdPartyToolsCredentials', 'newRelic', ANY, 'accountId'], 3],
  [['Butler-SOS', 'userEvents', 'udpServerConfig', 'serverHost'], 3],
  [['Butler-SOS', 'userEvents', 'udpServerConfig', 'allowedSources', ANY], 3],
  [['Butler-SOS', 'userEvents', 'sendToMQTT', 'postTo', ANY, 'topic'], 10],
  [['Butler-SOS', 'logEvents', 'udpServerConfig', 'serverHost'], 3],
  [['Butler-SOS', 'logEvents', 'udpServerConfig', 'allowedSources', ANY], 3],
  [['Butler-SOS', 'logEvents', 'sendToMQTT', 'baseTopic'], 10],
  [[...PERF_MONITOR_APP_INCLUDE, 'appId'], 5],
  [[...PERF_MONITOR_APP_INCLUDE, 'appName'], 5],
  [['Butler-SOS', 'cert', 'clientCert'], 10],
  [['Butler-SOS', 'cert', 'clientCertKey'], 10],
  [['Butler-SOS', 'cert', 'clientCertCA'], 10],
  [['Butler-SOS', 'mqttConfig', 'brokerHost'], 3],
  [['Butler-SOS', 'prometheus', 'host'], 3],
  [['Butler-SOS', 'prometheus', 'nodeMetricsHost'], 3],
  [['Butler-SOS', 'influxdbConfig', 'host'], 3],
  [['Butler-SOS', 'influxdbConfig', 'v2Config', 'org'], 3],
  [['Butler-SOS', 'influxdbConfig', 'v2Config', 'bucket'], 3],
  [['Butler-SOS', 'influxdbConfig', 'v1Config', 'auth', 'username'], 3],
  [['Butler-SOS', 'appNames', 'hostIP'], 3],
  [['Butler-SOS', 'serversToMonitor', 'servers', ANY, 'host'], 3],
  [['Butler-SOS', 'serversToMonitor', 'servers', ANY, 'userSessions', 'host'], 3],
  [
    ['Butler-SOS', 'serversToMonitor', 'servers', ANY, 'userSessions', 'virtualProxies', ANY, 'virtualProxy'],
    3,
  ],
];

function matches(path: KeyPath, pattern: Pattern): boolean {
  if (path.length !== pattern.length) return false;
  return pattern.every((part, i) => part === ANY || part === String(path[i]));
}

/** True when the value at `path` (or anything below it) is a secret. */
export function isSecretPath(path: KeyPath): boolean {
  for (let i = 0; i < path.length; i++) {
    const segment = path[i];
    if (typeof segment === 'string' && SECRET_NAME.test(segment)) return true;
    const prefix = path.slice(0, i + 1);
    if (SECRET_PATHS.some((pattern) => matches(prefix, pattern))) return true;
  }
  return false;
}

function partialMaskLength(path: KeyPath): number | undefined {
  return PARTIAL_MASKS.find(([pattern]) => matches(path, pattern))?.[1];
}

/** First `keep` characters of the value followed by ten `*`. */
export function maskValue(value: unknown, keep = 0): string {
  return String(value).slice(0, keep) + MASK;
}

export interface MaskOptions {
  /** Apply the partial masks of host names, paths, topics and ids too (default true). Secrets are always masked. */
  obfuscate?: boolean;
}

/** Deep copy of `config` with secrets (and, with `obfuscate`, sensitive details) masked. Never throws on nulls. */
export function maskConfig<T>(config: T, options: MaskOptions = {}): T {
  const obfuscate = options.obfuscate ?? true;
  const visit = (value: unknown, path: KeyPath, secret: boolean): unknown => {
    const isSecret = secret || isSecretPath(path);
    if (Array.isArray(value)) return value.map((item, i) => visit(item, [...path, i], isSecret));
    if (value !== null && typeof value === 'object') {
      const copy: Record<string, unknown> = {};
      for (const [key, child] of Object.entries(value)) copy[key] = visit(child, [...path, key], isSecret);
      return copy;
    }
    if (value === null || value === undefined) return value;
    if (isSecret) return MASK;
    if (obfuscate) {
      const keep = partialMaskLength(path);
      if (keep !== undefined) return maskValue(value, keep);
    }
    return value;
  };
  return visit(config, [], false) as T;
}

/** The secret values of a config, and the heartbeat URL, which often embeds a token. */
function collectSecrets(config: unknown): KnownSecret[] {
  const found: KnownSecret[] = [];
  const visit = (value: unknown, path: KeyPath, secret: boolean): void => {
    const isSecret = secret || isSecretPath(path);
    if (Array.isArray(value))
      value.forEach((item, i) => {
        visit(item, [...path, i], isSecret);
      });
    else if (value !== null && typeof value === 'object') {
      for (const [key, child] of Object.entries(value)) visit(child, [...path, key], isSecret);
    } else if (value !== null && value !== undefined) {
      const text = String(value);
      if (isSecret) found.push({ value: text });
      // Show only the URL's beginning, as the config view does.
      else if (matches(path, ['Butler-SOS', 'heartbeat', 'remoteURL']) && text.length > 10)
        found.push({ value: text, replacement: maskValue(text, 10) });
    }
  };
  visit(config, [], false);
  return found;
}

/**
 * Returns a function that replaces every secret value of `config` (passwords, tokens, API keys,
 * passphrases, header values) in a text, plus generic credential shapes (URL passwords,
 * Authorization-like headers, token-like query parameters). Create it after command line
 * overrides are applied.
 */
export function createSecretRedactor(config: unknown): Redact {
  return createRedactor(collectSecrets(config));
}
