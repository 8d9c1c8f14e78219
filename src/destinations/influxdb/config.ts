/** InfluxDB's section (`influxdbConfig`): the server, its version and that version's settings. */
import { z } from 'zod';
import type { SettingsCheck } from '../../config/kit/check.ts';
import { bool, port, positive, section, str } from '../../config/kit/fields.ts';

const v1Config = section(
  {
    auth: section(
      {
        enable: bool(false, 'Use credentials.'),
        username: str('', 'User name.'),
        password: str('', 'Password (secret).'),
      },
      'Authentication.',
    ),
    dbName: str('SenseOps', 'Database, created if missing.'),
    retentionPolicy: section(
      {
        name: str('10d', 'Name of the default retention policy created with the database.'),
        duration: str('10d', 'Its duration.'),
      },
      'Default retention policy.',
    ),
  },
  'InfluxDB 1.x settings.',
);

const v2Config = section(
  {
    org: str('', 'Organisation (required for version 2).'),
    bucket: str('', 'Bucket, created if missing (required for version 2).'),
    description: str('Butler SOS metrics', 'Bucket description.'),
    token: str('', 'API token (secret, required for version 2).'),
    retentionDuration: str('10d', 'Bucket retention.'),
  },
  'InfluxDB 2.x settings.',
);

const v3Config = section(
  {
    database: str('', 'Database (required for version 3).'),
    description: str('Butler SOS metrics', 'Database description.'),
    token: str('', 'API token (secret).'),
    retentionDuration: str('10d', 'Retention.'),
    writeTimeout: positive(10000, 'Write timeout (ms).'),
    queryTimeout: positive(60000, 'Query timeout (ms).'),
  },
  '[v15] InfluxDB 3.x settings.',
);

export const influxdbConfigSchema = section(
  {
    enable: bool(false, 'Master switch for every InfluxDB write.'),
    host: str('', 'InfluxDB host (required when enabled).'),
    port: port(8086, 'InfluxDB port.'),
    version: z
      .union([z.literal(1), z.literal(2), z.literal(3)], { error: 'expected 1, 2 or 3' })
      .default(1)
      .describe('InfluxDB major version: 1, 2 or 3 (3 is a v15 key).'),
    maxBatchSize: z
      .number()
      .int()
      .min(1)
      .max(10000)
      .default(1000)
      .describe('[v15] Points per write (1-10000).'),
    v1Config,
    v2Config,
    v3Config,
    includeFields: section(
      {
        activeDocs: bool(false, 'Also store the active app list.'),
        loadedDocs: bool(false, 'Also store the loaded app list.'),
        inMemoryDocs: bool(false, 'Also store the in-memory app list.'),
      },
      'Optional (large) fields.',
    ),
  },
  'InfluxDB.',
);

export type InfluxdbConfig = z.output<typeof influxdbConfigSchema>;

/** The version's settings must be usable. */
export function checkInfluxdbConfig(s: { influxdbConfig: InfluxdbConfig }, check: SettingsCheck): void {
  const influx = s.influxdbConfig;
  if (!influx.enable) return;
  check.requireHost(['influxdbConfig', 'host'], influx.host, 'influxdbConfig.enable is true');
  if (influx.version === 1 && influx.v1Config.auth.enable) {
    check.requireText(
      ['influxdbConfig', 'v1Config', 'auth', 'username'],
      influx.v1Config.auth.username,
      'v1Config.auth.enable is true',
      'a user name',
    );
  }
  if (influx.version === 2) {
    const why = 'influxdbConfig.version is 2';
    const v2 = influx.v2Config;
    check.requireText(['influxdbConfig', 'v2Config', 'org'], v2.org, why, 'an organisation name');
    check.requireText(['influxdbConfig', 'v2Config', 'bucket'], v2.bucket, why, 'a bucket name');
    check.requireText(['influxdbConfig', 'v2Config', 'token'], v2.token, why, 'an API token');
  }
  if (influx.version === 3) {
    check.requireText(
      ['influxdbConfig', 'v3Config', 'database'],
      influx.v3Config.database,
      'influxdbConfig.version is 3',
      'a database name',
    );
  }
}
