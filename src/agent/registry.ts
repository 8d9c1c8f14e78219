/**
 * Every source and destination the agent knows, one line each. A plug-in module is small
 * (its id, its switch, and a lazy import of the component itself), so components that are
 * switched off cost no memory. Destinations are listed in upstream's fan-out order: MQTT,
 * InfluxDB, New Relic, Prometheus, then ours.
 */
import type { DestinationPlugin } from '../components/destination.ts';
import type { SourcePlugin } from '../components/source.ts';

type PluginModule<P> = () => Promise<{ default: P }>;

export const DESTINATION_PLUGINS: readonly PluginModule<DestinationPlugin>[] = [
  () => import('../destinations/mqtt/plugin.ts'),
  () => import('../destinations/influxdb/plugin.ts'),
  () => import('../destinations/new-relic/plugin.ts'),
  () => import('../destinations/prometheus/plugin.ts'),
  () => import('../destinations/local-store/plugin.ts'),
  () => import('../destinations/file/plugin.ts'),
  () => import('../destinations/remote-write/plugin.ts'),
  () => import('../destinations/audit-influxdb/plugin.ts'),
  () => import('../destinations/audit-parquet/plugin.ts'),
  () => import('../destinations/audit-qvd/plugin.ts'),
  () => import('../destinations/audit-json/plugin.ts'),
  () => import('../destinations/audit-queue-metrics/plugin.ts'),
];

export const SOURCE_PLUGINS: readonly PluginModule<SourcePlugin>[] = [
  () => import('../sources/sense-polls/plugin.ts'),
  () => import('../sources/log-events/plugin.ts'),
  () => import('../sources/user-events/plugin.ts'),
  () => import('../sources/logdb/plugin.ts'),
  () => import('../sources/audit-api/plugin.ts'),
];

/** The plug-ins of a list, in its order. */
export async function loadPlugins<P>(modules: readonly PluginModule<P>[]): Promise<P[]> {
  return (await Promise.all(modules.map((load) => load()))).map((module) => module.default);
}
