/**
 * The log4net appender files in sense-appenders/ must produce exactly the datagrams the agent
 * parses: each conversion pattern equals the simulator's layout (sim/datagrams.ts, which the
 * parser tests use), every Qlik token has its converter declared, and the ports, thresholds,
 * filters and loggers are the documented ones
 * (docs/reference/udp-events.md#sense-log-appenders). With the upstream compatibility corpus
 * present, our patterns must also equal those of upstream's appender files, which Sense
 * installations already run (wire compatibility).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import {
  conversionPattern,
  ENGINE_LOG_LAYOUT,
  PROXY_LOG_LAYOUT,
  QIX_PERF_LAYOUT,
  REPOSITORY_LOG_LAYOUT,
  SCHEDULER_LOG_LAYOUT,
  USER_CONNECTION_LAYOUT,
  USER_SESSION_LAYOUT,
} from '../../../sim/datagrams.ts';
import { corpusPath, corpusSkip } from '../../support/compat-corpus.ts';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

interface Appender {
  name: string;
  type: string;
  port: number;
  address: string;
  threshold: string | undefined;
  pattern: string;
  converters: Map<string, string>;
  matches: string[];
  filterTypes: string[];
}

interface AppenderFile {
  appenders: Map<string, Appender>;
  /** logger name -> appender names */
  loggers: Map<string, string[]>;
}

type Node = Record<string, unknown>;
const list = (x: unknown): Node[] => (x === undefined ? [] : Array.isArray(x) ? (x as Node[]) : [x as Node]);
/** `<x value="v"/>` or log4net's equivalent `<param name="x" value="v"/>`, case-insensitive as log4net. */
function setting(node: Node, name: string): string | undefined {
  for (const [key, value] of Object.entries(node)) {
    if (key.toLowerCase() === name.toLowerCase()) return list(value)[0]?.['@_value'] as string | undefined;
  }
  for (const p of list(node.param)) {
    if (String(p['@_name']).toLowerCase() === name.toLowerCase()) return p['@_value'] as string;
  }
  return undefined;
}

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  parseAttributeValue: false,
});

function readAppenderFile(path: string): AppenderFile {
  const xml = readFileSync(path, 'utf8');
  assert.equal(XMLValidator.validate(xml), true, `${path} is well-formed XML`);
  const config = (parser.parse(xml) as { configuration: Node }).configuration;
  const appenders = new Map<string, Appender>();
  for (const a of list(config.appender)) {
    const layout = list(a.layout)[0] ?? {};
    const converters = new Map<string, string>();
    for (const c of list(layout.converter)) {
      const name = setting(c, 'name');
      const type = setting(c, 'type');
      if (name && type) converters.set(name, type);
    }
    const filters = list(a.filter);
    appenders.set(String(a['@_name']), {
      name: String(a['@_name']),
      type: String(a['@_type']),
      port: Number(setting(a, 'remotePort')),
      address: setting(a, 'remoteAddress') ?? '',
      threshold: setting(a, 'threshold')?.toUpperCase(),
      pattern: setting(layout, 'conversionPattern') ?? '',
      converters,
      matches: filters.map((f) => setting(f, 'stringToMatch')).filter((s): s is string => s !== undefined),
      filterTypes: filters.map((f) => String(f['@_type'])),
    });
  }
  const loggers = new Map<string, string[]>();
  for (const l of list(config.logger)) {
    loggers.set(
      String(l['@_name']),
      list(l['appender-ref']).map((r) => String(r['@_ref'])),
    );
  }
  return { appenders, loggers };
}

const ours = (service: string) =>
  readAppenderFile(join(ROOT, 'sense-appenders', service, 'LocalLogConfig.xml'));

/** What each file must send: marker -> port, threshold, loggers, filters. */
const EXPECTED: Record<
  string,
  {
    layout: { marker: string; entries: readonly { token: string }[] };
    port: number;
    threshold?: string;
    loggers: string[];
    matches?: string[];
  }[]
> = {
  engine: [
    {
      layout: ENGINE_LOG_LAYOUT,
      port: 9996,
      threshold: 'WARN',
      loggers: ['Performance.Engine', 'System.Engine', 'Session.Engine'],
    },
    { layout: QIX_PERF_LAYOUT, port: 9996, threshold: 'INFO', loggers: ['QixPerformance.Engine.Engine'] },
  ],
  proxy: [
    {
      layout: PROXY_LOG_LAYOUT,
      port: 9996,
      threshold: 'WARN',
      loggers: ['Audit.Proxy', 'AuditSecurity', 'Security.Proxy', 'System.Proxy'],
    },
    {
      layout: USER_SESSION_LAYOUT,
      port: 9997,
      loggers: ['AuditActivity.Proxy'],
      matches: ['Start session for user', 'Stop session for user'],
    },
    {
      layout: USER_CONNECTION_LAYOUT,
      port: 9997,
      loggers: ['AuditActivity.Proxy'],
      matches: ['connection Opened for session', 'connection Closed for session'],
    },
  ],
  repository: [
    {
      layout: REPOSITORY_LOG_LAYOUT,
      port: 9996,
      threshold: 'WARN',
      loggers: ['Service', 'System.Repository', 'UserManagement.Repository'],
    },
  ],
  scheduler: [
    { layout: SCHEDULER_LOG_LAYOUT, port: 9996, threshold: 'WARN', loggers: ['Service', 'System.Scheduler'] },
  ],
};

/** Qlik's converters behind the custom tokens (docs/reference/udp-events.md#conversion-tokens). */
const QLIK_CONVERTERS: Record<string, string> = {
  rownum: 'Qlik.Sense.Logging.log4net.Layout.Pattern.CounterPatternConverter',
  hostname: 'Qlik.Sense.Logging.log4net.Layout.Pattern.HostNamePatternConverter',
  longIso8601date: 'Qlik.Sense.Logging.log4net.Layout.Pattern.Iso8601TimeOffsetPatternConverter',
  user: 'Qlik.Sense.Logging.log4net.Layout.Pattern.ServiceUserNameCachedPatternConverter',
  encodedmessage: 'Qlik.Sense.Logging.log4net.Layout.Pattern.EncodedMessagePatternConverter',
  encodedexception: 'Qlik.Sense.Logging.log4net.Layout.Pattern.EncodedExceptionPatternConverter',
};
/** log4net's own pattern tokens, which need no converter. */
const BUILTIN_TOKENS = new Set(['date', 'level', 'logger', 'message', 'property']);

function appenderFor(file: AppenderFile, marker: string): Appender {
  const found = [...file.appenders.values()].filter((a) => a.pattern.split(';')[0] === marker);
  assert.equal(found.length, 1, `exactly one appender sends ${marker}`);
  return found[0]!;
}

for (const [service, expectations] of Object.entries(EXPECTED)) {
  test(`sense-appenders/${service}: patterns equal the simulator's layouts, ports, thresholds, filters, loggers`, () => {
    const file = ours(service);
    assert.equal(file.appenders.size, expectations.length, 'no appenders beyond the expected ones');
    for (const want of expectations) {
      const appender = appenderFor(file, want.layout.marker);
      assert.equal(appender.pattern, conversionPattern(want.layout), `${appender.name} pattern`);
      assert.equal(appender.type, 'log4net.Appender.UdpAppender');
      assert.equal(appender.port, want.port, `${appender.name} port`);
      assert.equal(appender.address, 'BUTLER-SOS-HOST', `${appender.name} has the documented placeholder`);
      assert.equal(appender.threshold, want.threshold, `${appender.name} threshold`);
      if (want.matches) {
        assert.deepEqual(appender.matches, want.matches);
        // Without a final DenyAllFilter every proxy message would be sent.
        assert.equal(appender.filterTypes.at(-1), 'log4net.Filter.DenyAllFilter');
      } else {
        assert.deepEqual(appender.filterTypes, []);
      }
      for (const logger of want.loggers) {
        assert.ok(file.loggers.get(logger)?.includes(appender.name), `${logger} feeds ${appender.name}`);
      }
      for (const [logger, refs] of file.loggers) {
        if (refs.includes(appender.name))
          assert.ok(want.loggers.includes(logger), `unexpected logger ${logger}`);
      }
      // Every token with a custom converter is declared with Qlik's class.
      const tokens = [...appender.pattern.matchAll(/%([A-Za-z0-9]+)/g)].map((m) => m[1]!);
      for (const token of tokens) {
        if (BUILTIN_TOKENS.has(token)) continue;
        assert.equal(
          appender.converters.get(token),
          QLIK_CONVERTERS[token],
          `${appender.name}: converter for %${token}`,
        );
      }
    }
    for (const refs of file.loggers.values()) {
      for (const ref of refs) assert.ok(file.appenders.has(ref), `appender-ref ${ref} exists`);
    }
  });
}

test("our patterns are wire-identical to upstream's appender files", { skip: corpusSkip }, () => {
  let compared = 0;
  for (const service of Object.keys(EXPECTED)) {
    const upstream = readAppenderFile(corpusPath(`log_appender_xml/${service}/LocalLogConfig.xml`));
    const mine = ours(service);
    const patterns = (f: AppenderFile) => [...f.appenders.values()].map((a) => a.pattern).sort();
    assert.deepEqual(patterns(mine), patterns(upstream), service);
    compared += upstream.appenders.size;
  }
  assert.equal(compared, 7);
});
