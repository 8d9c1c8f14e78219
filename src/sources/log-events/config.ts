/**
 * The `logEvents` section: the UDP listener on port 9996, which sources are accepted, the
 * categorisation rules, the engine performance monitor's filters, and where log events go.
 */
import { z } from 'zod';
import type { SettingsCheck } from '../../config/kit/check.ts';
import {
  bool,
  enableOnly,
  list,
  nameValue,
  openSection,
  port,
  section,
  str,
  trimLower,
} from '../../config/kit/fields.ts';
import { structuredMqtt } from '../../destinations/mqtt/config.ts';
import { LOG_LEVELS } from '../../logging/logger.ts';
import { udpServerConfig } from '../../udp/config.ts';
import { logEventListenerStarts } from './plugin.ts';

/** Levels a categorisation rule may name: the log levels plus `fatal`, which Sense emits. */
const EVENT_LOG_LEVELS = [...LOG_LEVELS, 'fatal'] as const;

const categoriseRule = z.strictObject({
  description: z.string().default('').describe('Free text.'),
  logLevel: z
    .array(z.preprocess(trimLower, z.enum(EVENT_LOG_LEVELS)))
    .min(1)
    .describe('Event levels the rule applies to (case-insensitive).'),
  action: z.preprocess(trimLower, z.enum(['categorise', 'drop'])).describe('categorise or drop.'),
  category: z.array(nameValue).min(1).describe('Tags added when the rule matches.'),
  filter: z
    .array(
      z.strictObject({
        type: z
          .preprocess(trimLower, z.enum(['sw', 'ew', 'so']))
          .describe('sw = starts with, ew = ends with, so = contains.'),
        value: z.string().describe('Text compared with the message (case-sensitive).'),
      }),
    )
    .min(1)
    .describe('Message filters; the first match ends the rule.'),
});

const DEFAULT_RULE_CATEGORY = [{ name: 'qs_log_category', value: 'unknown' }];

const categorise = section(
  {
    enable: bool(false, 'Apply categorisation rules.'),
    rules: list(categoriseRule, 'Categorisation rules, in order.'),
    ruleDefault: section(
      {
        enable: bool(true, 'Apply the default categories when no rule matched.'),
        category: z
          .preprocess(
            (value) => (value === undefined ? DEFAULT_RULE_CATEGORY : (value ?? [])),
            z.array(nameValue),
          )
          .describe('Default categories (absent: qs_log_category = unknown; empty: none).'),
      },
      'Default categorisation.',
    ),
  },
  'Log event categorisation.',
);

const appRef = z.strictObject({
  appId: z.string().optional().describe('App id; when given it must match.'),
  appName: z.string().optional().describe('App name; when given it must match.'),
});

/** Object ids: upstream's schema wants strings, its runtime reads `{objectId}`; both are accepted, read as strings. */
const objectIdRef = z
  .union([z.string(), z.strictObject({ objectId: z.string() })], {
    error: 'expected an object id string or {objectId}',
  })
  .transform((value) => (typeof value === 'string' ? value : value.objectId));

function objectTypeFilter() {
  return section(
    {
      allObjectTypes: bool(true, 'Monitor every object type (except allObjectTypesExclude).'),
      allObjectTypesExclude: list(z.string(), 'Object types left out when allObjectTypes is true.'),
      someObjectTypesInclude: list(z.string(), 'Object types monitored when allObjectTypes is false.'),
    },
    'Object type filter.',
  );
}

function methodFilter() {
  return section(
    {
      allMethods: bool(true, 'Monitor every engine method (except allMethodsExclude).'),
      allMethodsExclude: list(z.string(), 'Methods left out when allMethods is true.'),
      someMethodsInclude: list(z.string(), 'Methods monitored when allMethods is false.'),
    },
    'Engine method filter.',
  );
}

const appSpecificBlock = z.strictObject({
  include: list(appRef, 'Apps this block applies to.'),
  objectType: objectTypeFilter(),
  appObject: section(
    {
      allAppObjects: bool(true, 'Monitor every app object (except allAppObjectsExclude).'),
      allAppObjectsExclude: list(objectIdRef, 'Object ids left out when allAppObjects is true.'),
      someAppObjectsInclude: list(objectIdRef, 'Object ids monitored when allAppObjects is false.'),
    },
    'App object filter.',
  ),
  method: methodFilter(),
});

const enginePerformanceMonitor = section(
  {
    enable: bool(false, 'Process engine performance events.'),
    appNameLookup: enableOnly(false, 'Look app names up from the app name table.'),
    trackRejectedEvents: section(
      {
        enable: bool(false, 'Count filtered-out performance events as rejected.'),
        tags: list(nameValue, 'Static tags on rejected-count points.'),
      },
      'Rejected performance events.',
    ),
    monitorFilter: section(
      {
        allApps: section(
          {
            enable: bool(false, 'Monitor all apps except appExclude.'),
            appExclude: list(appRef, 'Apps left out.'),
            objectType: objectTypeFilter(),
            method: methodFilter(),
          },
          'All-apps filter.',
        ),
        appSpecific: section(
          {
            enable: bool(false, 'Monitor only the listed apps.'),
            app: list(appSpecificBlock, 'App filter blocks.'),
          },
          'App-specific filter.',
        ),
      },
      'Which performance events are accepted.',
    ),
  },
  'Engine performance monitor.',
);

function newRelicService(what: string) {
  return section(
    {
      enable: bool(true, `Send ${what} log events to New Relic.`),
      logLevel: openSection(
        {
          error: bool(true, `Send error-level ${what} events.`),
          warn: bool(true, `Send warning-level ${what} events.`),
        },
        `Per-level switches for ${what}.`,
      ),
    },
    `${what} log events.`,
  );
}

const sendToNewRelic = section(
  {
    enable: bool(false, 'Send log events to New Relic (also needs newRelic.enable).'),
    destinationAccount: list(z.string(), 'Account names.'),
    source: section(
      {
        engine: newRelicService('engine'),
        proxy: newRelicService('proxy'),
        repository: newRelicService('repository'),
        scheduler: newRelicService('scheduler'),
      },
      'Per-service switches.',
    ),
  },
  'Log events to New Relic.',
);

export const logEventsSchema = section(
  {
    udpServerConfig: udpServerConfig(
      { portLogEvents: port(9996, 'UDP port for log events.') },
      'log_events_queue',
      'log events',
    ),
    tags: list(nameValue, 'Static tags on log_event points.'),
    source: section(
      {
        engine: enableOnly(false, 'Accept engine log events.'),
        proxy: enableOnly(false, 'Accept proxy log events.'),
        repository: enableOnly(false, 'Accept repository log events.'),
        scheduler: enableOnly(false, 'Accept scheduler log events.'),
        qixPerf: enableOnly(false, 'Accept engine performance (qix-perf) events.'),
      },
      'Log event sources.',
    ),
    categorise,
    enginePerformanceMonitor,
    sendToMQTT: section(
      {
        enable: bool(false, 'Publish log events to MQTT (also needs mqttConfig.enable).'),
        baseTopic: str('qliksense/logevent', 'Base topic.'),
        postTo: section(
          {
            baseTopic: bool(true, 'Publish on the base topic.'),
            subsystemTopics: bool(true, 'Also publish on per-subsystem topics.'),
          },
          'Where to publish.',
        ),
        structured: structuredMqtt('log event'),
      },
      'Log events to MQTT.',
    ),
    sendToInfluxdb: enableOnly(false, 'Store log events in InfluxDB (also needs influxdbConfig.enable).'),
    sendToNewRelic,
  },
  'Log events from the Sense log appenders (UDP).',
);

export type LogEventsConfig = z.output<typeof logEventsSchema>;
export type CategoriseConfig = LogEventsConfig['categorise'];
export type EnginePerformanceMonitorConfig = LogEventsConfig['enginePerformanceMonitor'];

export function checkLogEvents(s: { logEvents: LogEventsConfig }, check: SettingsCheck): void {
  if (!logEventListenerStarts(s)) return;
  check.requireHost(
    ['logEvents', 'udpServerConfig', 'serverHost'],
    s.logEvents.udpServerConfig.serverHost,
    'a logEvents.source is enabled',
  );
}
