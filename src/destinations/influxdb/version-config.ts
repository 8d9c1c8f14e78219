/**
 * What differs between the InfluxDB generations for the sink: the write endpoint and its
 * query, the authentication header, and what names the destination in messages.
 */
import type { InfluxSinkOptions } from './sink.ts';

export interface VersionConfig {
  /** `db=...` or `org=... bucket=...`, for messages. */
  label: string;
  writePath: string;
  writeQuery: Record<string, string>;
  authHeaders: Record<string, string>;
  /** Values that must never appear in a message. */
  secrets: string[];
}

/** The version's settings, checked; throws an Error naming a missing key. */
export function requireVersionConfig(options: InfluxSinkOptions): VersionConfig {
  switch (options.version) {
    case 1:
      return v1Config(options.v1);
    case 2:
      return v2Config(options.v2);
    case 3:
      return v3Config(options.v3);
    default:
      throw new Error(`InfluxDB version ${String(options.version)} is not supported (1, 2 or 3)`);
  }
}

/** `/write` with the default retention policy (as upstream), HTTP basic auth when a username is set. */
function v1Config(v1: InfluxSinkOptions['v1']): VersionConfig {
  if (!v1?.database) throw new Error('InfluxDB v1: v1Config.dbName is required');
  const auth: Record<string, string> = v1.username
    ? { authorization: `Basic ${Buffer.from(`${v1.username}:${v1.password ?? ''}`).toString('base64')}` }
    : {};
  return {
    label: `db=${v1.database}`,
    writePath: '/write',
    writeQuery: { db: v1.database, precision: 'ns' },
    authHeaders: auth,
    secrets: v1.password ? [v1.password] : [],
  };
}

function v2Config(v2: InfluxSinkOptions['v2']): VersionConfig {
  if (!v2?.org || !v2.bucket || !v2.token)
    throw new Error('InfluxDB v2: v2Config.org, v2Config.bucket and v2Config.token are required');
  return {
    label: `org=${v2.org} bucket=${v2.bucket}`,
    writePath: '/api/v2/write',
    writeQuery: { org: v2.org, bucket: v2.bucket, precision: 'ns' },
    authHeaders: { authorization: `Token ${v2.token}` },
    secrets: [v2.token],
  };
}

/** The native endpoint; `accept_partial=false` keeps a rejected batch all-or-nothing. */
function v3Config(v3: InfluxSinkOptions['v3']): VersionConfig {
  if (!v3?.database || !v3.token)
    throw new Error('InfluxDB v3: v3Config.database and v3Config.token are required');
  return {
    label: `db=${v3.database}`,
    writePath: '/api/v3/write_lp',
    writeQuery: { db: v3.database, precision: 'nanosecond', accept_partial: 'false' },
    authHeaders: { authorization: `Bearer ${v3.token}` },
    secrets: [v3.token],
  };
}
