/**
 * Template placeholders (`<IP or FQDN>`, `<path/to/cert/client.pem>`, ...) left in values that an
 * enabled feature uses. They pass validation (the template must verify unchanged); the run
 * command refuses to start while any remains. Placeholders in disabled features are ignored.
 */

import { logEventListenerStarts } from '../sources/log-events/plugin.ts';
import { isPlaceholder } from './kit/formats.ts';
import { formatPath, type KeyPath } from './kit/paths.ts';
import { isSecretPath } from './mask.ts';
import type { ButlerSosConfig, ButlerSosSettings } from './schema.ts';

type Rule = [
  pattern: readonly string[],
  used: (s: ButlerSosSettings, path: KeyPath, config: ButlerSosConfig) => boolean,
];

/** True when the Sense client certificates are needed: some server is polled or app names are fetched. */
export function certificatesNeeded(config: ButlerSosConfig): boolean {
  const s = config['Butler-SOS'];
  return s.serversToMonitor.servers.length > 0 || s.appNames.enableAppNameExtract;
}

const newRelicUsed = (s: ButlerSosSettings) =>
  s.newRelic.enable || (s.uptimeMonitor.enable && s.uptimeMonitor.storeNewRelic.enable);
const influx = (s: ButlerSosSettings, version: number) =>
  s.influxdbConfig.enable && s.influxdbConfig.version === version;
const serverSessionsUsed = (s: ButlerSosSettings, path: KeyPath) =>
  s.userSessions.enableSessionExtract &&
  s.serversToMonitor.servers[Number(path[2])]?.userSessions.enable === true;

/** Path prefixes (after `Butler-SOS`, `*` = any index) and when their values are in use. */
const RULES: Rule[] = [
  [['configVisualisation'], (s) => s.configVisualisation.enable],
  [['heartbeat'], (s) => s.heartbeat.enable],
  [['uptimeMonitor', 'storeInInfluxdb'], (s) => s.uptimeMonitor.enable],
  [['uptimeMonitor', 'storeNewRelic'], (s) => s.uptimeMonitor.enable && s.uptimeMonitor.storeNewRelic.enable],
  [['thirdPartyToolsCredentials', 'newRelic'], newRelicUsed],
  [['userEvents', 'udpServerConfig'], (s) => s.userEvents.enable],
  [
    ['userEvents', 'sendToMQTT'],
    (s) => s.userEvents.enable && s.userEvents.sendToMQTT.enable && s.mqttConfig.enable,
  ],
  [['logEvents', 'udpServerConfig'], logEventListenerStarts],
  [
    ['logEvents', 'sendToMQTT'],
    (s) => logEventListenerStarts(s) && s.logEvents.sendToMQTT.enable && s.mqttConfig.enable,
  ],
  [['cert', 'clientCert'], (_s, _p, config) => certificatesNeeded(config)],
  [['cert', 'clientCertKey'], (_s, _p, config) => certificatesNeeded(config)],
  [['cert', 'clientCertCA'], (_s, _p, config) => certificatesNeeded(config)],
  [['mqttConfig'], (s) => s.mqttConfig.enable],
  [['newRelic', 'event'], (s) => s.newRelic.enable],
  [['newRelic', 'metric', 'url'], newRelicUsed],
  [['newRelic', 'metric', 'header'], newRelicUsed],
  [['prometheus'], (s) => s.prometheus.enable],
  [['influxdbConfig', 'host'], (s) => s.influxdbConfig.enable],
  [['influxdbConfig', 'v1Config', 'dbName'], (s) => influx(s, 1)],
  [['influxdbConfig', 'v1Config', 'auth'], (s) => influx(s, 1) && s.influxdbConfig.v1Config.auth.enable],
  [['influxdbConfig', 'v2Config'], (s) => influx(s, 2)],
  [['influxdbConfig', 'v3Config'], (s) => influx(s, 3)],
  [['appNames', 'hostIP'], (s) => s.appNames.enableAppNameExtract],
  [['serversToMonitor', 'servers', '*', 'host'], () => true],
  [['serversToMonitor', 'servers', '*', 'serverName'], () => true],
  [['serversToMonitor', 'servers', '*', 'serverDescription'], () => true],
  [['serversToMonitor', 'servers', '*', 'serverTags'], () => true],
  [['serversToMonitor', 'servers', '*', 'headers'], () => true],
  [['serversToMonitor', 'servers', '*', 'userSessions'], serverSessionsUsed],
  [['crashFile', 'crashFileDirectory'], (s) => s.crashFile.enable],
];

function ruleFor(path: KeyPath): Rule | undefined {
  return RULES.find(([pattern]) => pattern.every((part, i) => part === '*' || part === String(path[i])));
}

/** Key paths (e.g. `Butler-SOS.appNames.hostIP`) whose values still hold a template placeholder and are in use. */
export function findPlaceholders(config: ButlerSosConfig): string[] {
  const settings = config['Butler-SOS'];
  const found: string[] = [];
  const visit = (value: unknown, path: KeyPath): void => {
    if (Array.isArray(value))
      value.forEach((item, i) => {
        visit(item, [...path, i]);
      });
    else if (value !== null && typeof value === 'object') {
      for (const [key, child] of Object.entries(value)) visit(child, [...path, key]);
    } else if (typeof value === 'string') {
      const full = ['Butler-SOS', ...path];
      const rule = ruleFor(path);
      if (rule && isPlaceholder(value, isSecretPath(full)) && rule[1](settings, path, config))
        found.push(formatPath(full));
    }
  };
  visit(settings, []);
  return found;
}
