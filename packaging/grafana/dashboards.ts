/**
 * The Grafana dashboards of the docker-compose examples, built from a compact description so
 * the JSON files are never edited by hand (and a test can check every query against the
 * measurement and metric names the agent writes).
 *
 *   node packaging/grafana/dashboards.ts          # (re)writes the JSON files
 *
 * InfluxDB dashboard: InfluxQL on the upstream-compatible measurements
 * (docs/reference/influxdb.md#measurements). Prometheus dashboard: PromQL on the `butlersos_*`
 * gauges (docs/reference/prometheus.md#sense-metrics).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const INFLUX_DATASOURCE = { type: 'influxdb', uid: 'butler-sos-influxdb' } as const;
export const PROMETHEUS_DATASOURCE = { type: 'prometheus', uid: 'butler-sos-prometheus' } as const;

type Datasource = typeof INFLUX_DATASOURCE | typeof PROMETHEUS_DATASOURCE;

interface InfluxTarget {
  /** A raw InfluxQL query; `$timeFilter`, `$__interval` and `$server` are Grafana's. */
  query: string;
  alias?: string;
  format?: 'time_series' | 'table';
}

interface PromTarget {
  expr: string;
  legend?: string;
  instant?: boolean;
}

interface PanelSpec {
  title: string;
  type: 'timeseries' | 'stat' | 'table' | 'row';
  /** Width in grid columns (24 = full width); default 12. */
  width?: number;
  height?: number;
  unit?: string;
  description?: string;
  influx?: InfluxTarget[];
  prom?: PromTarget[];
  /** Stack series (e.g. counts per level). */
  stacked?: boolean;
  bars?: boolean;
}

const GRID_WIDTH = 24;

function targetsOf(spec: PanelSpec): Record<string, unknown>[] {
  const refId = (i: number) => String.fromCharCode(65 + i);
  if (spec.influx) {
    return spec.influx.map((t, i) => ({
      refId: refId(i),
      datasource: INFLUX_DATASOURCE,
      rawQuery: true,
      query: t.query,
      resultFormat: t.format ?? 'time_series',
      ...(t.alias ? { alias: t.alias } : {}),
    }));
  }
  return (spec.prom ?? []).map((t, i) => ({
    refId: refId(i),
    datasource: PROMETHEUS_DATASOURCE,
    expr: t.expr,
    legendFormat: t.legend ?? '__auto',
    ...(t.instant ? { instant: true, range: false } : { range: true }),
  }));
}

function fieldConfig(spec: PanelSpec): Record<string, unknown> {
  const custom =
    spec.type === 'timeseries'
      ? {
          drawStyle: spec.bars ? 'bars' : 'line',
          fillOpacity: spec.bars || spec.stacked ? 60 : 10,
          lineWidth: 1,
          showPoints: 'never',
          spanNulls: true,
          stacking: { mode: spec.stacked ? 'normal' : 'none', group: 'A' },
        }
      : {};
  return { defaults: { unit: spec.unit ?? 'short', custom }, overrides: [] };
}

function options(spec: PanelSpec): Record<string, unknown> {
  switch (spec.type) {
    case 'timeseries':
      return {
        legend: { displayMode: 'list', placement: 'bottom', showLegend: true },
        tooltip: { mode: 'multi', sort: 'desc' },
      };
    case 'stat':
      return {
        reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false },
        colorMode: 'value',
        graphMode: 'area',
        textMode: 'auto',
      };
    case 'table':
      return { showHeader: true, cellHeight: 'sm' };
    default:
      return {};
  }
}

/** Lays panels out left to right, wrapping at the grid width; rows take a full line. */
function layout(specs: PanelSpec[], datasource: Datasource): Record<string, unknown>[] {
  const panels: Record<string, unknown>[] = [];
  let x = 0;
  let y = 0;
  let rowHeight = 0;
  specs.forEach((spec, index) => {
    const id = index + 1;
    if (spec.type === 'row') {
      if (x > 0) y += rowHeight;
      panels.push({
        id,
        type: 'row',
        title: spec.title,
        collapsed: false,
        gridPos: { h: 1, w: GRID_WIDTH, x: 0, y },
        panels: [],
      });
      y += 1;
      x = 0;
      rowHeight = 0;
      return;
    }
    const w = spec.width ?? 12;
    const h = spec.height ?? 8;
    if (x + w > GRID_WIDTH) {
      y += rowHeight;
      x = 0;
      rowHeight = 0;
    }
    panels.push({
      id,
      type: spec.type,
      title: spec.title,
      ...(spec.description ? { description: spec.description } : {}),
      datasource,
      gridPos: { h, w, x, y },
      targets: targetsOf(spec),
      fieldConfig: fieldConfig(spec),
      options: options(spec),
    });
    x += w;
    rowHeight = Math.max(rowHeight, h);
  });
  return panels;
}

function dashboard(
  title: string,
  uid: string,
  description: string,
  datasource: Datasource,
  variables: Record<string, unknown>[],
  specs: PanelSpec[],
): Record<string, unknown> {
  return {
    title,
    uid,
    description,
    tags: ['butler-sos', 'qlik-sense'],
    editable: true,
    graphTooltip: 1,
    refresh: '30s',
    schemaVersion: 39,
    time: { from: 'now-6h', to: 'now' },
    timepicker: {},
    timezone: 'browser',
    annotations: { list: [] },
    templating: { list: variables },
    panels: layout(specs, datasource),
    version: 1,
  };
}

// ---------------------------------------------------------------------------------------
// InfluxDB (InfluxQL)

/** Restricts a health query to the servers picked in the `$server` variable. */
const SERVER = `"server_description" =~ /^$server$/`;
const perServer = (select: string, measurement: string, extra = '') =>
  `SELECT ${select} FROM "${measurement}" WHERE $timeFilter AND ${SERVER}${extra} GROUP BY time($__interval), "server_description" fill(null)`;

const INFLUX_PANELS: PanelSpec[] = [
  { title: 'Sense engines', type: 'row' },
  {
    title: 'Engine CPU',
    type: 'timeseries',
    unit: 'percent',
    width: 8,
    influx: [{ query: perServer('mean("total")', 'cpu'), alias: '$tag_server_description' }],
  },
  {
    title: 'Engine memory free',
    type: 'timeseries',
    unit: 'decmbytes',
    width: 8,
    description: 'Free memory as reported by the engine (MB).',
    influx: [{ query: perServer('mean("free")', 'mem'), alias: '$tag_server_description' }],
  },
  {
    title: 'Engine memory committed',
    type: 'timeseries',
    unit: 'decmbytes',
    width: 8,
    description: 'The field keeps upstream spelling: "comitted".',
    influx: [{ query: perServer('mean("comitted")', 'mem'), alias: '$tag_server_description' }],
  },
  {
    title: 'Engine sessions (active / total)',
    type: 'timeseries',
    width: 8,
    influx: [
      { query: perServer('last("active")', 'session'), alias: 'active $tag_server_description' },
      { query: perServer('last("total")', 'session'), alias: 'total $tag_server_description' },
    ],
  },
  {
    title: 'Users (active / total)',
    type: 'timeseries',
    width: 8,
    influx: [
      { query: perServer('last("active")', 'users'), alias: 'active $tag_server_description' },
      { query: perServer('last("total")', 'users'), alias: 'total $tag_server_description' },
    ],
  },
  {
    title: 'Apps in memory / loaded / active',
    type: 'timeseries',
    width: 8,
    influx: [
      {
        query: perServer('last("in_memory_docs_count")', 'apps'),
        alias: 'in memory $tag_server_description',
      },
      { query: perServer('last("loaded_docs_count")', 'apps'), alias: 'loaded $tag_server_description' },
      { query: perServer('last("active_docs_count")', 'apps'), alias: 'active $tag_server_description' },
    ],
  },
  {
    title: 'Engine calls and selections per interval',
    type: 'timeseries',
    width: 8,
    description: 'Increase of the engine counters between polls.',
    influx: [
      {
        query: perServer('non_negative_difference(last("calls"))', 'apps'),
        alias: 'calls $tag_server_description',
      },
      {
        query: perServer('non_negative_difference(last("selections"))', 'apps'),
        alias: 'selections $tag_server_description',
      },
    ],
  },
  {
    title: 'Cache hit ratio',
    type: 'timeseries',
    unit: 'percentunit',
    width: 8,
    influx: [
      { query: perServer('last("hits") / last("lookups")', 'cache'), alias: '$tag_server_description' },
    ],
  },
  {
    title: 'Engine version and uptime',
    type: 'table',
    width: 8,
    influx: [
      {
        query: `SELECT last("version") AS "version", last("uptime") AS "uptime", last("started") AS "started" FROM "sense_server" WHERE $timeFilter AND ${SERVER} GROUP BY "server_description"`,
        format: 'table',
      },
    ],
  },
  { title: 'Users and sessions', type: 'row' },
  {
    title: 'Proxy sessions per virtual proxy',
    type: 'timeseries',
    influx: [
      {
        query: `SELECT last("session_count") FROM "user_session_summary" WHERE $timeFilter AND ${SERVER} GROUP BY time($__interval), "server_description", "user_session_virtual_proxy" fill(null)`,
        alias: '$tag_server_description $tag_user_session_virtual_proxy',
      },
    ],
  },
  {
    title: 'User events by action',
    type: 'timeseries',
    bars: true,
    stacked: true,
    influx: [
      {
        query: `SELECT count("userFull") FROM "user_events" WHERE $timeFilter GROUP BY time($__interval), "event_action" fill(0)`,
        alias: '$tag_event_action',
      },
    ],
  },
  {
    title: 'Session starts per app',
    type: 'table',
    influx: [
      {
        query: `SELECT count("userFull") AS "session starts" FROM "user_events" WHERE $timeFilter AND "event_action" = 'Start session' GROUP BY "appName"`,
        format: 'table',
      },
    ],
  },
  {
    title: 'Browsers and operating systems',
    type: 'table',
    influx: [
      {
        query: `SELECT count("userId") AS "events" FROM "user_events" WHERE $timeFilter GROUP BY "uaBrowserName", "uaOsName"`,
        format: 'table',
      },
    ],
  },
  { title: 'Log events', type: 'row' },
  {
    title: 'Warnings and errors per source',
    type: 'timeseries',
    bars: true,
    stacked: true,
    influx: [
      {
        query: `SELECT count("message") FROM "log_event" WHERE $timeFilter AND ("level" = 'WARN' OR "level" = 'ERROR' OR "level" = 'FATAL') GROUP BY time($__interval), "source", "level" fill(0)`,
        alias: '$tag_source $tag_level',
      },
    ],
  },
  {
    title: 'Received events per source (event counters)',
    type: 'timeseries',
    bars: true,
    stacked: true,
    influx: [
      {
        query: `SELECT sum("counter") FROM "event_count" WHERE $timeFilter GROUP BY time($__interval), "event_type", "source" fill(0)`,
        alias: '$tag_event_type $tag_source',
      },
    ],
  },
  {
    title: 'Latest warnings and errors',
    type: 'table',
    width: 24,
    height: 10,
    influx: [
      {
        query: `SELECT "message", "exception_message" FROM "log_event" WHERE $timeFilter AND ("level" = 'WARN' OR "level" = 'ERROR' OR "level" = 'FATAL') GROUP BY "host", "source", "level", "subsystem" ORDER BY time DESC LIMIT 50`,
        format: 'table',
      },
    ],
  },
  {
    title: 'Failed reloads (scheduler errors)',
    type: 'table',
    width: 24,
    influx: [
      {
        query: `SELECT "message", "app_name", "execution_id" FROM "log_event" WHERE $timeFilter AND "source" = 'qseow-scheduler' AND "level" = 'ERROR' GROUP BY "host", "task_name" ORDER BY time DESC LIMIT 50`,
        format: 'table',
      },
    ],
  },
  {
    title: 'Engine performance: slowest methods (mean process time)',
    type: 'timeseries',
    unit: 'ms',
    description: 'Needs the engine performance appender and logEvents.enginePerformanceMonitor.enable.',
    influx: [
      {
        query: `SELECT mean("process_time") FROM "log_event" WHERE $timeFilter AND "source" = 'qseow-qix-perf' GROUP BY time($__interval), "method" fill(null)`,
        alias: '$tag_method',
      },
    ],
  },
  {
    title: 'Engine performance: peak RAM per object type',
    type: 'timeseries',
    unit: 'bytes',
    influx: [
      {
        query: `SELECT max("peak_ram") FROM "log_event" WHERE $timeFilter AND "source" = 'qseow-qix-perf' GROUP BY time($__interval), "object_type" fill(null)`,
        alias: '$tag_object_type',
      },
    ],
  },
  { title: 'Butler SOS itself', type: 'row' },
  {
    title: 'Agent memory',
    type: 'timeseries',
    unit: 'decmbytes',
    width: 8,
    influx: [
      {
        query: `SELECT mean("heap_used") AS "heap used", mean("heap_total") AS "heap total", mean("process_memory") AS "process (RSS)" FROM "butlersos_memory_usage" WHERE $timeFilter GROUP BY time($__interval), "butler_sos_instance" fill(null)`,
      },
    ],
  },
  {
    title: 'UDP queues: processed and dropped',
    type: 'timeseries',
    width: 8,
    influx: [
      {
        query: `SELECT sum("messages_processed") AS "processed", sum("messages_dropped_total") AS "dropped" FROM "log_events_queue" WHERE $timeFilter GROUP BY time($__interval) fill(0)`,
        alias: 'log events $col',
      },
      {
        query: `SELECT sum("messages_processed") AS "processed", sum("messages_dropped_total") AS "dropped" FROM "user_events_queue" WHERE $timeFilter GROUP BY time($__interval) fill(0)`,
        alias: 'user events $col',
      },
    ],
  },
  {
    title: 'UDP queues: processing time',
    type: 'timeseries',
    unit: 'ms',
    width: 8,
    influx: [
      {
        query: `SELECT mean("processing_time_avg_ms") AS "avg", max("processing_time_p95_ms") AS "p95" FROM "log_events_queue" WHERE $timeFilter GROUP BY time($__interval) fill(null)`,
        alias: 'log events $col',
      },
    ],
  },
];

export function influxDashboard(): Record<string, unknown> {
  return dashboard(
    'Butler SOS: Qlik Sense (InfluxDB)',
    'butler-sos-influxdb',
    'Qlik Sense engine health, sessions, user and log events written by Butler SOS to InfluxDB 1.x.',
    INFLUX_DATASOURCE,
    [
      {
        name: 'server',
        label: 'Server',
        type: 'query',
        datasource: INFLUX_DATASOURCE,
        query: 'SHOW TAG VALUES FROM "apps" WITH KEY = "server_description"',
        definition: 'SHOW TAG VALUES FROM "apps" WITH KEY = "server_description"',
        includeAll: true,
        multi: true,
        refresh: 2,
        sort: 1,
        current: {},
        options: [],
      },
    ],
    INFLUX_PANELS,
  );
}

// ---------------------------------------------------------------------------------------
// Prometheus (PromQL)

const SEL = '{server_description=~"$server"}';
const byServer = (metric: string) => `max by (server_description) (${metric}${SEL})`;

const PROMETHEUS_PANELS: PanelSpec[] = [
  { title: 'Sense engines', type: 'row' },
  {
    title: 'Engine CPU',
    type: 'timeseries',
    unit: 'percent',
    width: 8,
    prom: [{ expr: byServer('butlersos_cpu_total'), legend: '{{server_description}}' }],
  },
  {
    title: 'Engine memory (committed / free)',
    type: 'timeseries',
    unit: 'bytes',
    width: 8,
    prom: [
      { expr: byServer('butlersos_mem_committed'), legend: 'committed {{server_description}}' },
      { expr: byServer('butlersos_mem_free'), legend: 'free {{server_description}}' },
    ],
  },
  {
    title: 'Saturated engines',
    type: 'stat',
    width: 8,
    description: '1 when the engine runs with high resource usage.',
    prom: [{ expr: byServer('butlersos_cache_saturated'), legend: '{{server_description}}', instant: true }],
  },
  {
    title: 'Engine sessions (active / total)',
    type: 'timeseries',
    width: 8,
    prom: [
      { expr: byServer('butlersos_session_active'), legend: 'active {{server_description}}' },
      { expr: byServer('butlersos_session_total'), legend: 'total {{server_description}}' },
    ],
  },
  {
    title: 'Users (active / total)',
    type: 'timeseries',
    width: 8,
    prom: [
      { expr: byServer('butlersos_users_active'), legend: 'active {{server_description}}' },
      { expr: byServer('butlersos_users_total'), legend: 'total {{server_description}}' },
    ],
  },
  {
    title: 'Apps in memory / loaded / active',
    type: 'timeseries',
    width: 8,
    prom: [
      { expr: byServer('butlersos_apps_inmemorydocs_total'), legend: 'in memory {{server_description}}' },
      { expr: byServer('butlersos_apps_loadeddocs_total'), legend: 'loaded {{server_description}}' },
      { expr: byServer('butlersos_apps_activedocs_total'), legend: 'active {{server_description}}' },
    ],
  },
  {
    title: 'Engine calls and selections per minute',
    type: 'timeseries',
    width: 8,
    description: 'The engine counters are gauges holding running totals; deriv() turns them into a rate.',
    prom: [
      {
        expr: `max by (server_description) (deriv(butlersos_apps_calls${SEL}[5m])) * 60`,
        legend: 'calls {{server_description}}',
      },
      {
        expr: `max by (server_description) (deriv(butlersos_apps_selections${SEL}[5m])) * 60`,
        legend: 'selections {{server_description}}',
      },
    ],
  },
  {
    title: 'Cache hit ratio',
    type: 'timeseries',
    unit: 'percentunit',
    width: 8,
    prom: [
      {
        expr: `${byServer('butlersos_cache_hits')} / ${byServer('butlersos_cache_lookups')}`,
        legend: '{{server_description}}',
      },
    ],
  },
  {
    title: 'Engine versions',
    type: 'table',
    width: 8,
    prom: [
      {
        expr: `max by (server_description, engine_version, engine_started) (butlersos_engine_metadata${SEL})`,
        instant: true,
      },
    ],
  },
  { title: 'Proxy sessions', type: 'row' },
  {
    title: 'Proxy sessions per virtual proxy',
    type: 'timeseries',
    width: 24,
    prom: [
      {
        expr: `sum by (server_description, user_session_virtual_proxy) (butlersos_user_session_total${SEL})`,
        legend: '{{server_description}} {{user_session_virtual_proxy}}',
      },
    ],
  },
];

export function prometheusDashboard(): Record<string, unknown> {
  return dashboard(
    'Butler SOS: Qlik Sense (Prometheus)',
    'butler-sos-prometheus',
    'Qlik Sense engine health and proxy sessions from the Butler SOS Prometheus endpoint.',
    PROMETHEUS_DATASOURCE,
    [
      {
        name: 'server',
        label: 'Server',
        type: 'query',
        datasource: PROMETHEUS_DATASOURCE,
        query: { query: 'label_values(butlersos_cpu_total, server_description)', refId: 'server' },
        definition: 'label_values(butlersos_cpu_total, server_description)',
        includeAll: true,
        allValue: '.*',
        multi: true,
        refresh: 2,
        sort: 1,
        current: {},
        options: [],
      },
    ],
    PROMETHEUS_PANELS,
  );
}

const REPO = fileURLToPath(new URL('../../', import.meta.url));

/** Where each dashboard lives (repo-relative) and how it is built. */
export const DASHBOARD_FILES: readonly { path: string; build: () => Record<string, unknown> }[] = [
  {
    path: 'docker-compose/influxdb-grafana/grafana/dashboards/butler-sos-influxdb.json',
    build: influxDashboard,
  },
  {
    path: 'docker-compose/prometheus-grafana/grafana/dashboards/butler-sos-prometheus.json',
    build: prometheusDashboard,
  },
];

export function dashboardText(build: () => Record<string, unknown>): string {
  return `${JSON.stringify(build(), null, 2)}\n`;
}

if (import.meta.main) {
  for (const file of DASHBOARD_FILES) {
    writeFileSync(join(REPO, file.path), dashboardText(file.build));
    process.stdout.write(`wrote ${file.path}\n`);
  }
}
