/**
 * `butler-sos demo` (`npm start`): the whole product in one command with no external
 * service. Starts the Sense simulator (3 servers, log and user events at a modest rate) and
 * the agent pointed at it, with the web UI, the Prometheus endpoint and the local store on.
 * The generated config is written next to the demo data so it can be read and reused.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse, stringify } from 'yaml';
import { startSimulator } from '../../sim/index.ts';
import { configSnippet } from '../../sim/snippet.ts';
import { ConfigError, formatIssue } from '../config/issues.ts';
import { loadConfigFile } from '../config/load.ts';
import { runAgent } from './run.ts';
import { VERSION } from './version.ts';

export interface DemoOptions {
  /** Folder for certificates, config, store, spool and logs (default ./demo-data). */
  dataDir?: string;
  webPort?: number;
  prometheusPort?: number;
  logPort?: number;
  userPort?: number;
  /** Events per second sent by the simulator (default 20). */
  rate?: number;
  /** Port of the audit API the simulated Audit.qs extension posts to (default 8181). */
  auditPort?: number;
}

/** The demo config: the simulator's servers plus every local feature switched on. */
export function demoConfigYaml(snippet: string, options: Required<Omit<DemoOptions, 'rate'>>): string {
  const auditDir = (name: string) => resolve(options.dataDir, 'audit-events', name);
  const sim = parse(snippet)['Butler-SOS'];
  const udp = (portKey: string, port: number) => ({
    serverHost: '127.0.0.1',
    [portKey]: port,
    messageQueue: { maxConcurrent: 10, maxSize: 2000, backpressureThreshold: 80 },
    rateLimit: { enable: false, maxMessagesPerMinute: 600 },
    maxMessageSize: 65507,
  });
  const config = {
    'Butler-SOS': {
      logLevel: 'info',
      fileLogging: false,
      logDirectory: resolve(options.dataDir, 'log'),
      anonTelemetry: false,
      systemInfo: { enable: true },
      configVisualisation: { enable: true, host: '127.0.0.1', port: options.webPort, obfuscate: true },
      webUi: { enable: true, host: '127.0.0.1', port: options.webPort },
      localStore: {
        enable: true,
        file: resolve(options.dataDir, 'store.sqlite'),
        retentionHours: 6,
        maxSizeMB: 100,
      },
      delivery: { spoolEnable: false },
      uptimeMonitor: {
        enable: true,
        frequency: 'every 1 minute',
        logLevel: 'verbose',
        storeInInfluxdb: { butlerSOSMemoryUsage: true, instanceTag: 'DEMO' },
      },
      qlikSenseEvents: {
        influxdb: { enable: false, writeFrequency: 20000 },
        eventCount: { enable: true, influxdb: { measurementName: 'event_count', tags: null } },
        rejectedEventCount: { enable: false, influxdb: { measurementName: 'rejected_event_count' } },
      },
      userEvents: {
        enable: true,
        excludeUser: null,
        udpServerConfig: udp('portUserActivityEvents', options.userPort),
        tags: null,
        sendToInfluxdb: { enable: false },
      },
      logEvents: {
        udpServerConfig: udp('portLogEvents', options.logPort),
        tags: null,
        source: {
          engine: { enable: true },
          proxy: { enable: true },
          repository: { enable: true },
          scheduler: { enable: true },
          qixPerf: { enable: true },
        },
        categorise: { enable: false, rules: null },
        enginePerformanceMonitor: {
          enable: true,
          appNameLookup: { enable: true },
          trackRejectedEvents: { enable: false, tags: null },
          monitorFilter: { allApps: { enable: true, appExclude: null } },
        },
        sendToInfluxdb: { enable: false },
      },
      cert: sim.cert,
      prometheus: {
        enable: true,
        host: '127.0.0.1',
        port: options.prometheusPort,
        nodeMetricsHost: '127.0.0.1',
        nodeMetricsPort: options.prometheusPort + 1,
      },
      influxdbConfig: { enable: false },
      auditEvents: {
        enable: true,
        host: '127.0.0.1',
        port: options.auditPort,
        apiToken: DEMO_AUDIT_TOKEN,
        destination: {
          enable: true,
          type: 'json, parquet, qvd',
          json: { objectdata: { enable: true, exportDirectory: auditDir('json') } },
          parquet: { metadata: { exportDirectory: auditDir('parquet'), writeFrequency: 60000 } },
          qvd: { metadata: { exportDirectory: auditDir('qvd'), writeFrequency: 60000 } },
          screenshots: {
            enable: true,
            downloadTimeoutMs: 5000,
            storageTargets: [{ enable: true, type: 'flat', directory: auditDir('screenshots') }],
            allowedImageDownloadHosts: ['127.0.0.1'],
          },
        },
      },
      appNames: { ...sim.appNames, extractInterval: 30000 },
      userSessions: { enableSessionExtract: true, pollingInterval: 10000, excludeUser: null },
      serversToMonitor: { ...sim.serversToMonitor, pollingInterval: 10000 },
    },
  };
  return stringify(config, { lineWidth: 0 });
}

/** The demo's audit API token (the simulated extension sends it; nothing outside loopback can). */
const DEMO_AUDIT_TOKEN = 'demo-audit-token';

export async function runDemo(options: DemoOptions = {}): Promise<void> {
  const dataDir = resolve(options.dataDir ?? 'demo-data');
  const ports = {
    dataDir,
    webPort: options.webPort ?? 3100,
    prometheusPort: options.prometheusPort ?? 9842,
    logPort: options.logPort ?? 9996,
    userPort: options.userPort ?? 9997,
    auditPort: options.auditPort ?? 8181,
  };
  mkdirSync(dataDir, { recursive: true });

  const sim = await startSimulator({
    certDir: resolve(dataDir, 'certificates'),
    servers: 3,
    enginePort: 0,
    proxyPort: 0,
    qrsPort: 0,
    udpLog: { host: '127.0.0.1', port: ports.logPort },
    udpUser: { host: '127.0.0.1', port: ports.userPort },
    rate: options.rate ?? 20,
    auditContent: { httpPort: 0 },
  });

  const configFile = resolve(dataDir, 'demo-config.yaml');
  writeFileSync(configFile, demoConfigYaml(configSnippet(sim), ports));
  let loaded: ReturnType<typeof loadConfigFile>;
  try {
    loaded = loadConfigFile(configFile);
  } catch (error) {
    await sim.stop();
    if (error instanceof ConfigError) {
      for (const issue of error.issues) process.stderr.write(`${formatIssue(issue)}\n`);
    }
    throw error;
  }

  await runAgent(
    loaded.config,
    {
      configFile,
      skipConfigVerification: false,
      configWarnings: loaded.warnings,
      defaultedKeys: [],
      version: VERSION,
      newRelicFromCommandLine: false,
    },
    {
      handleSignals: true,
      beforeStop: () => sim.stop(),
    },
  );

  sim.startAuditClient({ origin: `http://127.0.0.1:${ports.auditPort}`, token: DEMO_AUDIT_TOKEN }, 2);

  process.stdout.write(
    [
      '',
      'Butler SOS demo is running against a simulated Qlik Sense cluster of 3 servers.',
      `  Web UI:              http://127.0.0.1:${ports.webPort}/`,
      `  Prometheus metrics:  http://127.0.0.1:${ports.prometheusPort}/metrics`,
      `  Audit events:        http://127.0.0.1:${ports.webPort}/audit (Audit.qs API on port ${ports.auditPort})`,
      `  Config in use:       ${configFile}`,
      '',
      'To monitor a real Sense cluster instead: copy the config, point cert.* at the',
      'certificates exported from the QMC, list your servers under serversToMonitor, and run',
      '  npx butler-sos -c your-config.yaml',
      '(see docs/getting-started.md). Stop the demo with Ctrl+C.',
      '',
    ].join('\n'),
  );
}
