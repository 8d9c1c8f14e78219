/**
 * The docker-compose examples: the YAML parses, references only what exists (services,
 * volumes, bind-mounted files), wires ports and names consistently with the agent's config,
 * the agent's config passes `verify-config`, and every measurement, field, tag, metric and
 * label the Grafana dashboards query is one the agent writes: the mapping modules' field tables
 * where they export them, else the names documented in docs/reference/influxdb.md and
 * prometheus.md.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { DASHBOARD_FILES, dashboardText } from '../../../packaging/grafana/dashboards.ts';
import { ENGINE_HEALTH_PROM_METRICS, HEALTH_FIELDS } from '../../../src/mapping/engine-health.ts';
import { PROXY_SESSIONS_PROM_METRICS, SESSION_FIELDS } from '../../../src/mapping/proxy-sessions.ts';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const STACKS = ['influxdb-grafana', 'prometheus-grafana'] as const;

type Doc = Record<string, unknown>;
const obj = (x: unknown): Doc => (x && typeof x === 'object' && !Array.isArray(x) ? (x as Doc) : {});
const arr = (x: unknown): unknown[] => (Array.isArray(x) ? x : []);

function readYaml(path: string): Doc {
  return obj(parse(readFileSync(path, 'utf8')));
}

interface Stack {
  dir: string;
  compose: Doc;
  services: Record<string, Doc>;
  /** The agent's config, as mounted into its container. */
  agentConfig: Doc;
  agentConfigPath: string;
}

function loadStack(name: string): Stack {
  const dir = join(ROOT, 'docker-compose', name);
  const compose = readYaml(join(dir, 'docker-compose.yml'));
  const services = obj(compose.services) as Record<string, Doc>;
  const agent = obj(services['butler-sos']);
  const command = arr(agent.command).map(String);
  const i = command.indexOf('--configfile');
  assert.ok(i > 0, `${name}: the agent is started with --configfile`);
  const containerPath = command[i + 1]!;
  const hostPath = hostPathOf(dir, agent, containerPath);
  assert.ok(hostPath && existsSync(hostPath), `${name}: ${containerPath} is mounted from an existing file`);
  return {
    dir,
    compose,
    services,
    agentConfig: obj(readYaml(hostPath)['Butler-SOS']),
    agentConfigPath: hostPath,
  };
}

/** The host file behind a container path, through the service's bind mounts. */
function hostPathOf(dir: string, service: Doc, containerPath: string): string | undefined {
  for (const volume of arr(service.volumes).map(String)) {
    const [source, target] = volume.split(':');
    if (!source?.startsWith('.') || !target) continue;
    if (containerPath === target) return resolve(dir, source);
    if (containerPath.startsWith(`${target}/`))
      return resolve(dir, source, containerPath.slice(target.length + 1));
  }
  return undefined;
}

function runVerifyConfig(file: string): Promise<{ code: number | null; output: string }> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      [join(ROOT, 'src', 'cli', 'main.ts'), 'verify-config', '-c', file],
      { cwd: ROOT, timeout: 20_000 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : null) : 0;
        done({ code, output: stdout + stderr });
      },
    );
  });
}

for (const name of STACKS) {
  test(`docker-compose/${name}: services, volumes and mounts all exist`, () => {
    const stack = loadStack(name);
    const declaredVolumes = new Set(Object.keys(obj(stack.compose.volumes)));
    for (const [serviceName, service] of Object.entries(stack.services)) {
      assert.ok(service.image || service.build, `${serviceName} has an image`);
      const depends = Array.isArray(service.depends_on)
        ? service.depends_on
        : Object.keys(obj(service.depends_on));
      for (const dep of depends)
        assert.ok(stack.services[String(dep)], `${serviceName} depends on defined ${dep}`);
      for (const volume of arr(service.volumes).map(String)) {
        const source = volume.split(':')[0]!;
        if (source.startsWith('.'))
          assert.ok(existsSync(resolve(stack.dir, source)), `${serviceName}: ${source} exists`);
        else assert.ok(declaredVolumes.has(source), `${serviceName}: named volume ${source} is declared`);
      }
    }
  });

  test(`docker-compose/${name}: the agent's config passes verify-config`, async () => {
    const stack = loadStack(name);
    const r = await runVerifyConfig(stack.agentConfigPath);
    assert.equal(r.code, 0, r.output);
    assert.match(r.output, /^OK$/m);
  });
}

test('influxdb-grafana: UDP ports published as UDP, InfluxDB data source matches the agent config', () => {
  const stack = loadStack('influxdb-grafana');
  const agent = stack.services['butler-sos']!;
  const cfg = stack.agentConfig;
  const ports = arr(agent.ports).map(String);
  const logPort = obj(obj(cfg.logEvents).udpServerConfig).portLogEvents;
  const userPort = obj(obj(cfg.userEvents).udpServerConfig).portUserActivityEvents;
  assert.ok(ports.includes(`${logPort}:${logPort}/udp`), `log events port ${logPort}/udp in ${ports}`);
  assert.ok(ports.includes(`${userPort}:${userPort}/udp`), `user events port ${userPort}/udp in ${ports}`);

  const influx = obj(cfg.influxdbConfig);
  assert.equal(influx.enable, true);
  assert.ok(stack.services[String(influx.host)], `influxdbConfig.host ${influx.host} is a service`);
  assert.match(String(obj(stack.services.influxdb).image), /^influxdb:1\./);
  const datasource = obj(
    arr(readYaml(join(stack.dir, 'grafana/provisioning/datasources/influxdb.yaml')).datasources)[0],
  );
  assert.equal(datasource.url, `http://${influx.host}:${influx.port}`);
  assert.equal(obj(datasource.jsonData).dbName, obj(influx.v1Config).dbName);
  assert.equal(datasource.uid, 'butler-sos-influxdb');
});

test('prometheus-grafana: Prometheus scrapes the agent where the config makes it listen', () => {
  const stack = loadStack('prometheus-grafana');
  const prom = obj(stack.agentConfig.prometheus);
  assert.equal(prom.enable, true);
  assert.equal(prom.host, '0.0.0.0', 'reachable from the prometheus container');
  const scrape = readYaml(join(stack.dir, 'prometheus/prometheus.yml'));
  const targets = arr(scrape.scrape_configs).flatMap((job) =>
    arr(obj(job).static_configs).flatMap((sc) => arr(obj(sc).targets).map(String)),
  );
  assert.deepEqual(targets, [`butler-sos:${prom.port}`]);
  const promService = stack.services.prometheus!;
  const mountedConfig = hostPathOf(stack.dir, promService, '/etc/prometheus/prometheus.yml');
  assert.equal(mountedConfig, join(stack.dir, 'prometheus/prometheus.yml'));
  const datasource = obj(
    arr(readYaml(join(stack.dir, 'grafana/provisioning/datasources/prometheus.yaml')).datasources)[0],
  );
  assert.equal(datasource.url, 'http://prometheus:9090');
  assert.equal(datasource.uid, 'butler-sos-prometheus');
});

test('Grafana provisioning: dashboards folder mounted where the provider looks, home dashboard exists', () => {
  for (const name of STACKS) {
    const stack = loadStack(name);
    const grafana = stack.services.grafana!;
    const providers = arr(
      readYaml(join(stack.dir, 'grafana/provisioning/dashboards/dashboards.yaml')).providers,
    );
    for (const provider of providers) {
      const path = String(obj(obj(provider).options).path);
      const host = hostPathOf(stack.dir, grafana, path);
      assert.ok(host && existsSync(host), `${name}: provider path ${path} is mounted`);
      assert.ok(
        readdirSync(host).some((f) => f.endsWith('.json')),
        `${name}: dashboards in ${path}`,
      );
    }
    const home = String(obj(grafana.environment).GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH);
    const homeHost = hostPathOf(stack.dir, grafana, home);
    assert.ok(homeHost && existsSync(homeHost), `${name}: home dashboard ${home}`);
    assert.ok(hostPathOf(stack.dir, grafana, '/etc/grafana/provisioning/datasources'));
  }
});

test('dashboard JSON files are exactly what packaging/grafana/dashboards.ts generates', () => {
  for (const file of DASHBOARD_FILES) {
    const committed = readFileSync(join(ROOT, file.path), 'utf8');
    assert.equal(
      committed,
      dashboardText(file.build),
      `${file.path}: run node packaging/grafana/dashboards.ts`,
    );
  }
});

// ---------------------------------------------------------------------------------------
// Names the agent writes

interface KnownNames {
  measurements: Set<string>;
  /** measurement -> fields and tags that belong to it */
  membersOf: (measurement: string) => Set<string>;
  metrics: Set<string>;
  labels: Set<string>;
}

const IDENT = /[A-Za-z_][A-Za-z0-9_]*/g;
const backticked = (text: string): string[] =>
  [...text.matchAll(/`([^`]+)`/g)].flatMap((m) => m[1]!.match(IDENT) ?? []);

function knownNames(): KnownNames {
  const measurements = new Set<string>([...Object.keys(HEALTH_FIELDS), ...Object.keys(SESSION_FIELDS)]);
  const exact = new Map<string, Set<string>>();
  for (const [m, fields] of Object.entries({ ...HEALTH_FIELDS, ...SESSION_FIELDS }))
    exact.set(m, new Set(Object.keys(fields)));
  const metrics = new Set<string>(
    [...ENGINE_HEALTH_PROM_METRICS, ...PROXY_SESSIONS_PROM_METRICS].map((m) => m.name),
  );
  // The server labels/tags, the proxy-session ones, and the example configs' serverTags.
  const common = new Set([
    'host',
    'server_name',
    'server_description',
    'user_session_virtual_proxy',
    'user_session_host',
  ]);
  const labels = new Set([...common, 'engine_started', 'engine_version']);
  for (const name of STACKS) {
    for (const tag of arr(obj(loadStack(name).agentConfig.serversToMonitor).serverTagsDefinition)) {
      common.add(String(tag));
      labels.add(String(tag));
    }
  }

  // The documented names (docs/reference/influxdb.md, prometheus.md), written from the
  // reference facts rather than from our mapping code: measurements of the index table, and
  // per measurement every name in the sections that document it.
  const influxDoc = readFileSync(join(ROOT, 'docs/reference/influxdb.md'), 'utf8');
  const index = influxDoc.slice(
    influxDoc.indexOf('\n## Measurements'),
    influxDoc.indexOf('\n## Engine health'),
  );
  for (const row of index.split('\n').filter((line) => line.startsWith('| `'))) {
    for (const name of backticked(row.split('|')[1]!)) measurements.add(name);
  }
  const sections = influxDoc.split(/\n## /).slice(1);
  const documented = (measurement: string): Set<string> =>
    new Set(sections.filter((text) => text.includes(`\`${measurement}\``)).flatMap(backticked));
  const promDoc = readFileSync(join(ROOT, 'docs/reference/prometheus.md'), 'utf8');
  for (const row of promDoc.split('\n').filter((line) => line.startsWith('| `butlersos_'))) {
    for (const metric of backticked(row.split('|')[1]!)) metrics.add(metric);
  }
  const labelTable = promDoc.slice(promDoc.indexOf('\n## Labels'), promDoc.indexOf('\n## Metric types'));
  for (const row of labelTable.split('\n').filter((line) => line.startsWith('| `'))) {
    for (const label of backticked(row.split('|')[1]!)) labels.add(label);
  }

  return {
    measurements,
    membersOf: (m) => new Set([...common, ...(exact.get(m) ?? documented(m))]),
    metrics,
    labels,
  };
}

/** Measurement, selected fields and tags of one InfluxQL query as the dashboard writes it. */
function parseInfluxQL(query: string): { measurement: string; fields: string[]; tags: string[] } {
  const from = query.match(/\bFROM\s+"([^"]+)"/);
  assert.ok(from, `FROM "measurement" in ${query}`);
  const select = query.slice(0, from.index);
  const rest = query.slice(from.index! + from[0].length);
  // Quoted identifiers in SELECT that are not aliases (AS "x").
  const fields = [...select.matchAll(/(AS\s+)?"([^"]+)"/g)].filter((m) => !m[1]).map((m) => m[2]!);
  const tags = [...rest.matchAll(/"([^"]+)"\s*(?:=~|!=|=|,|\s+fill|\s+ORDER|$)/g)].map((m) => m[1]!);
  return { measurement: from[1]!, fields, tags };
}

function targetsOf(dashboard: Doc): Doc[] {
  return arr(dashboard.panels).flatMap((p) => arr(obj(p).targets).map(obj));
}

test('every InfluxDB measurement, field and tag in our dashboard is one the agent writes', () => {
  const known = knownNames();
  const file = DASHBOARD_FILES.find((f) => f.path.includes('influxdb'))!;
  const dashboard = obj(JSON.parse(readFileSync(join(ROOT, file.path), 'utf8')));
  const queries = targetsOf(dashboard).map((t) => String(t.query));
  assert.ok(queries.length >= 15, `the dashboard has queries (${queries.length})`);
  const seen = new Set<string>();
  for (const query of queries) {
    const { measurement, fields, tags } = parseInfluxQL(query);
    seen.add(measurement);
    assert.ok(known.measurements.has(measurement), `measurement ${measurement} is written by the agent`);
    const members = known.membersOf(measurement);
    for (const name of [...fields, ...tags])
      assert.ok(members.has(name), `${measurement}.${name} (in ${query})`);
  }
  for (const m of [
    'cpu',
    'mem',
    'apps',
    'session',
    'users',
    'cache',
    'user_events',
    'log_event',
    'event_count',
  ]) {
    assert.ok(seen.has(m), `the dashboard shows ${m}`);
  }
  // The server variable lists a tag that exists.
  const variable = obj(arr(obj(dashboard.templating).list)[0]);
  const { measurement, tags } = parseInfluxQL(
    `SELECT "x" ${String(variable.query).replace(/^SHOW TAG VALUES /, '')}`,
  );
  assert.ok(known.measurements.has(measurement));
  assert.ok(tags.length === 0 || tags.every((t) => known.membersOf(measurement).has(t)));
  assert.match(String(variable.query), /KEY = "server_description"/);
});

test('every Prometheus metric and label in our dashboard is one the agent exports', () => {
  const known = knownNames();
  const file = DASHBOARD_FILES.find((f) => f.path.includes('prometheus'))!;
  const dashboard = obj(JSON.parse(readFileSync(join(ROOT, file.path), 'utf8')));
  const exprs = targetsOf(dashboard).map((t) => String(t.expr));
  const variable = obj(arr(obj(dashboard.templating).list)[0]);
  exprs.push(String(variable.definition));
  assert.ok(exprs.length >= 10);
  const used = new Set<string>();
  for (const expr of exprs) {
    for (const metric of expr.match(/\bbutlersos_[a-z_]+/g) ?? []) {
      used.add(metric);
      assert.ok(known.metrics.has(metric), `metric ${metric} is exported`);
    }
    const labelLists = [
      ...[...expr.matchAll(/\bby\s*\(([^)]*)\)/g)].map((m) => m[1]!),
      ...[...expr.matchAll(/\{([^}]*)\}/g)].map((m) => m[1]!.replace(/"[^"]*"/g, '')),
    ];
    for (const label of labelLists.flatMap((l) => l.match(IDENT) ?? [])) {
      assert.ok(known.labels.has(label), `label ${label} (in ${expr})`);
    }
  }
  assert.ok(used.size >= 15, `the dashboard uses most gauges (${used.size})`);
});
