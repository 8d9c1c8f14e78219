/**
 * New Relic's sections: the APIs and what is sent (`newRelic`), and the accounts
 * (`thirdPartyToolsCredentials.newRelic`) that the destination lists of other sections name.
 */
import { z } from 'zod';
import type { SettingsCheck } from '../../config/kit/check.ts';
import {
  bool,
  enableOnly,
  list,
  nameValue,
  openSection,
  section,
  str,
  text,
} from '../../config/kit/fields.ts';
import type { KeyPath } from '../../config/kit/paths.ts';
import type { UptimeMonitorConfig } from '../../ops/config.ts';
import type { LogEventsConfig } from '../../sources/log-events/config.ts';
import type { UserEventsConfig } from '../../sources/user-events/config.ts';

const newRelicCredential = z.strictObject({
  accountName: z.string().min(1).describe('Friendly name referenced by destinationAccount lists.'),
  insertApiKey: z.string().min(1).describe('Insert API key (secret), sent as header Api-Key.'),
  accountId: text.describe('Account id (used in the Event API URL).'),
});

export const thirdPartyToolsCredentialsSchema = section(
  {
    newRelic: list(
      newRelicCredential,
      'New Relic accounts; replaced by the --new-relic-* command line options.',
    ),
  },
  'Credentials for third party tools.',
);

function attributes(what: string) {
  return openSection(
    {
      static: list(nameValue, `Static attributes on ${what}.`),
      dynamic: openSection(
        { butlerSosVersion: enableOnly(true, `Add the Butler SOS version attribute to ${what}.`) },
        'Dynamic attributes.',
      ),
    },
    `Attributes on ${what}.`,
  );
}

const engineMetrics = ['memory', 'cpu', 'calls', 'selections', 'sessions', 'users', 'saturated'] as const;
const appMetrics = ['docCount', 'activeDocs', 'loadedDocs', 'inMemoryDocs'] as const;

/** One switch per metric group, named by `names`. */
function metricGroups<N extends string>(names: readonly N[], what: string, description: string) {
  return section(
    Object.fromEntries(names.map((k) => [k, enableOnly(true, `Send ${what} ${k} metrics.`)])) as Record<
      N,
      ReturnType<typeof enableOnly>
    >,
    description,
  );
}

const metric = section(
  {
    destinationAccount: list(z.string(), 'Account names (unused upstream, see userEvents.sendToNewRelic).'),
    url: str(
      'https://insights-collector.eu01.nr-data.net/metric/v1',
      'Metric API URL (also used for uptime).',
    ),
    header: list(nameValue, 'Extra HTTP headers (values are secret).'),
    dynamic: section(
      {
        engine: metricGroups(engineMetrics, 'engine', 'Engine metric groups.'),
        apps: metricGroups(appMetrics, 'app', 'App metric groups.'),
        cache: section({ cache: enableOnly(true, 'Send cache metrics.') }, 'Cache metrics.'),
        proxy: section({ sessions: enableOnly(true, 'Send proxy session metrics.') }, 'Proxy metrics.'),
      },
      'Metric groups.',
    ),
    attribute: attributes('metrics'),
  },
  'New Relic Metric API.',
);

export const newRelicSchema = section(
  {
    enable: bool(false, 'Send Sense metrics and events to New Relic.'),
    event: section(
      {
        url: str('https://insights-collector.eu01.nr-data.net', 'Event API base URL, without path.'),
        header: list(nameValue, 'Extra HTTP headers (values are secret).'),
        attribute: attributes('events'),
      },
      'New Relic Event API.',
    ),
    metric,
  },
  'New Relic.',
);

export type NewRelicConfig = z.output<typeof newRelicSchema>;
export type ThirdPartyToolsCredentialsConfig = z.output<typeof thirdPartyToolsCredentialsSchema>;
/** A `thirdPartyToolsCredentials.newRelic[]` entry: an account's name, id and key. */
export type NewRelicCredential = z.output<typeof newRelicCredential>;

export function checkNewRelic(
  s: { newRelic: NewRelicConfig; uptimeMonitor: UptimeMonitorConfig },
  check: SettingsCheck,
): void {
  if (s.newRelic.enable) {
    check.requireUri(['newRelic', 'event', 'url'], s.newRelic.event.url, 'newRelic.enable is true');
  }
  if (s.newRelic.enable || s.uptimeMonitor.storeNewRelic.enable) {
    check.requireUri(
      ['newRelic', 'metric', 'url'],
      s.newRelic.metric.url,
      'New Relic metrics or uptime posting is enabled',
    );
  }
}

/** Account names in the destination lists that are in use should be known accounts. */
export function checkThirdPartyToolsCredentials(
  s: {
    thirdPartyToolsCredentials: ThirdPartyToolsCredentialsConfig;
    newRelic: NewRelicConfig;
    uptimeMonitor: UptimeMonitorConfig;
    userEvents: UserEventsConfig;
    logEvents: LogEventsConfig;
  },
  check: SettingsCheck,
): void {
  const known = new Set(s.thirdPartyToolsCredentials.newRelic.map((account) => account.accountName));
  const accountLists: { path: KeyPath; names: readonly string[]; used: boolean }[] = [
    {
      path: ['uptimeMonitor', 'storeNewRelic', 'destinationAccount'],
      names: s.uptimeMonitor.storeNewRelic.destinationAccount,
      used: s.uptimeMonitor.storeNewRelic.enable,
    },
    {
      path: ['userEvents', 'sendToNewRelic', 'destinationAccount'],
      names: s.userEvents.sendToNewRelic.destinationAccount,
      used: s.newRelic.enable,
    },
    {
      path: ['logEvents', 'sendToNewRelic', 'destinationAccount'],
      names: s.logEvents.sendToNewRelic.destinationAccount,
      used: s.newRelic.enable && s.logEvents.sendToNewRelic.enable,
    },
  ];
  for (const { path, names, used } of accountLists) {
    if (!used) continue;
    names.forEach((name, i) => {
      if (!known.has(name))
        check.warn(
          [...path, i],
          `New Relic account "${name}" is not in thirdPartyToolsCredentials.newRelic (nor given on the command line?)`,
        );
    });
  }
}
