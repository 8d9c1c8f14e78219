/**
 * The InfluxDB sink options of a connection section as the config writes it: the audit
 * destination's own (`auditEvents.destination.influxdb.metadata`) and the main connection the
 * audit queue samples go to (`influxdbConfig`) have the same keys, so one reading serves both.
 */
import type { InfluxSinkOptions } from '../influxdb/sink.ts';

/** The keys both connection sections share (typed by shape: either section fits). */
export interface InfluxConnectionSection {
  version: 1 | 2 | 3;
  host: string;
  port: number;
  v1Config: {
    dbName: string;
    retentionPolicy: { name: string; duration: string };
    auth: { enable: boolean; username: string; password: string };
  };
  v2Config: NonNullable<InfluxSinkOptions['v2']>;
  v3Config: NonNullable<InfluxSinkOptions['v3']> & { writeTimeout: number };
}

/** Credentials only when `v1Config.auth.enable` is true, as the sink expects. */
export function influxSinkOptions(
  section: InfluxConnectionSection,
): Omit<InfluxSinkOptions, 'log' | 'connections' | 'gzip'> {
  const { v1Config } = section;
  return {
    version: section.version,
    host: section.host,
    port: section.port,
    v1: {
      database: v1Config.dbName,
      retentionPolicy: v1Config.retentionPolicy,
      ...(v1Config.auth.enable ? { username: v1Config.auth.username, password: v1Config.auth.password } : {}),
    },
    v2: section.v2Config,
    v3: section.v3Config,
    timeoutMs: section.v3Config.writeTimeout,
  };
}
