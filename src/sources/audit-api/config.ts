/**
 * The audit API's section (`auditEvents`, upstream v15): the HTTP(S) server Audit.qs posts to,
 * its queue, and where accepted events go (InfluxDB `audit_event`, JSON, Parquet and QVD files,
 * downloaded screenshots).
 *
 * As upstream, the section is optional (absent: the feature is off and nothing is checked) and,
 * when present, checked in full even while `enable` is false, every object rejecting keys it
 * does not know. Unlike upstream, a key left out gets the default upstream documents instead
 * of failing validation, as in every other section; the listen address defaults to loopback.
 * The destination sub-sections (`influxdb`, `parquet`, `qvd`, `json`, `screenshots`) stay
 * absent when left out: a destination without its section does nothing, as upstream.
 */
import { z } from 'zod';
import { destinationTypes } from '../../audit/destination-types.ts';
import type { SettingsCheck } from '../../config/kit/check.ts';
import { bool, count, list, percent, port, positive, section, str, text } from '../../config/kit/fields.ts';
import type { KeyPath } from '../../config/kit/paths.ts';
import { screenshotsSchema } from './screenshots/config.ts';

/** A static tag: entries with an empty name or value are accepted and skipped, as upstream. */
const staticTag = z
  .strictObject({ name: z.string().describe('Tag name.'), value: text.describe('Tag value.') })
  .describe('A name/value pair.');
const staticTags = list(staticTag, 'Extra tags on every point or row.');

const batchSize = (what: string) =>
  z.number().int().min(1).max(10000).default(1000).describe(`${what} buffered before a write (1-10000).`);
const writeFrequency = z
  .number()
  .min(0)
  .default(20000)
  .describe('Flush interval (ms); 0 writes after every event.');

/** Accepted and not used, as upstream (`destination.<x>.objectdata` of influxdb, parquet and qvd). */
const unusedObjectData = section(
  {
    enable: bool(false, 'Accepted, not used.'),
    exportDirectory: str('', 'Accepted, not used.'),
    maxBatchSize: batchSize('Accepted, not used. Rows'),
    writeFrequency: writeFrequency,
    staticTags: list(staticTag, 'Accepted, not used.'),
  },
  'Accepted and ignored (upstream has it in its schema and never reads it).',
);

const influxMetadata = section(
  {
    host: str('', 'InfluxDB host of the audit events (its own connection, not influxdbConfig).'),
    port: port(8086, 'InfluxDB port.'),
    version: z
      .union([z.literal(1), z.literal(2), z.literal(3)], { error: 'expected 1, 2 or 3' })
      .default(1)
      .describe('InfluxDB major version: 1, 2 or 3.'),
    maxBatchSize: batchSize('Points'),
    writeFrequency,
    measurementName: str('audit_event', 'Measurement name (empty: audit_event).'),
    auditEventSchemaVersion: text.default('1').describe('Written as tag auditEventSchemaVersion.'),
    staticTags,
    v1Config: section(
      {
        auth: section(
          {
            enable: bool(false, 'Use credentials.'),
            username: str('', 'User name.'),
            password: str('', 'Password (secret).'),
          },
          'Authentication.',
        ),
        dbName: str('butler_audit', 'Database, created if missing.'),
        retentionPolicy: section(
          {
            name: str('audit_rp', 'Default retention policy created with the database.'),
            duration: str('90d', 'Its duration.'),
          },
          'Default retention policy.',
        ),
      },
      'InfluxDB 1.x settings (version 1).',
    ),
    v2Config: section(
      {
        org: str('', 'Organisation (version 2).'),
        bucket: str('', 'Bucket, created if missing (version 2).'),
        description: str('', 'Bucket description (needed when destination.enable is true).'),
        token: str('', 'API token (secret).'),
        retentionDuration: str('90d', 'Bucket retention.'),
      },
      'InfluxDB 2.x settings (version 2).',
    ),
    v3Config: section(
      {
        database: str('', 'Database (version 3).'),
        description: str('', 'Database description (needed when destination.enable is true).'),
        token: str('', 'API token (secret).'),
        retentionDuration: str('90d', 'Retention.'),
        writeTimeout: z.number().min(1000).default(10000).describe('Write timeout (ms, at least 1000).'),
      },
      'InfluxDB 3.x settings (version 3).',
    ),
  },
  'Where and how audit_event points are written.',
);

const fileMetadata = (kind: string) =>
  section(
    {
      exportDirectory: str(`audit-events/${kind}`, 'Folder of the files, relative to the working directory.'),
      maxBatchSize: batchSize('Rows'),
      writeFrequency,
      staticTags: list(staticTag, 'Written as the tags column (JSON text).'),
    },
    `${kind} files: one file per flush, YYYYMMDD_partN.${kind}.`,
  );

export const auditEventsSchema = section(
  {
    enable: bool(false, 'Start the audit API server and its queue.'),
    host: str('127.0.0.1', 'Listen address (0.0.0.0 for every interface).'),
    port: port(8181, 'Listen port.'),
    apiToken: str('', 'Bearer token the extension sends (secret); empty: no authentication.'),
    tls: section(
      {
        enable: bool(false, 'HTTPS (TLS 1.2 or later) instead of HTTP.'),
        cert: str('', 'PEM certificate file (relative to the working directory).'),
        key: str('', 'PEM key file.'),
        ca: str('', 'PEM CA file added to the server options (no client certificate is asked for).'),
        passphrase: str('', 'Passphrase of the key (secret).'),
      },
      'TLS.',
    ),
    cors: section(
      { allowedOrigins: list(z.string(), 'Origins allowed; [] no CORS, "*" any origin.') },
      'CORS for the browser extension.',
    ),
    rateLimit: section(
      {
        enable: bool(true, 'Limit requests per client IP.'),
        maxPerMinute: count(300, 'Requests per IP per 60 s window.'),
      },
      'HTTP rate limit per client IP.',
    ),
    queue: section(
      {
        messageQueue: section(
          {
            maxConcurrent: count(10, 'Events handled at the same time.'),
            maxSize: count(200, 'Events waiting; beyond it events are answered 503.'),
            backpressureThreshold: percent(80, 'Warn when the queue is this full (percent of maxSize).'),
          },
          'Work queue.',
        ),
        rateLimit: section(
          {
            enable: bool(false, 'Limit events per minute over all clients.'),
            maxMessagesPerMinute: count(600, 'Events per fixed 60 s window; beyond it 429.'),
          },
          'Global event rate limit.',
        ),
        queueMetrics: section(
          {
            influxdb: section(
              {
                enable: bool(false, 'Write audit_events_queue to the main InfluxDB (influxdbConfig).'),
                writeFrequency: positive(20000, 'Write interval (ms).'),
                measurementName: str('audit_events_queue', 'Measurement name.'),
                tags: staticTags,
              },
              'Queue metrics in InfluxDB.',
            ),
          },
          'Queue metrics.',
        ),
      },
      'Queue between the API and the destinations.',
    ),
    destination: section(
      {
        enable: bool(false, 'Store accepted events (false: validated and handled, stored nowhere).'),
        type: str('influxdb', 'Comma-separated list of influxdb, parquet, qvd, json.'),
        influxdb: section(
          { metadata: influxMetadata, objectdata: unusedObjectData.optional() },
          'InfluxDB destination.',
        ).optional(),
        parquet: section(
          { metadata: fileMetadata('parquet'), objectdata: unusedObjectData.optional() },
          'Parquet destination.',
        ).optional(),
        qvd: section(
          { metadata: fileMetadata('qvd'), objectdata: unusedObjectData.optional() },
          'QVD destination.',
        ).optional(),
        json: section(
          {
            objectdata: section(
              {
                enable: bool(false, 'Write one JSON file per event that carries objectData.'),
                exportDirectory: str('audit-events/json', 'Folder, relative to the working directory.'),
                staticTags: list(staticTag, 'Written as the tags object.'),
              },
              'JSON files of object data.',
            ),
          },
          'JSON destination.',
        ).optional(),
        screenshots: screenshotsSchema.optional(),
      },
      'Where accepted events go.',
    ),
  },
  '[v15] The audit events API (the server side of the Audit.qs extension).',
).optional();

export type AuditEventsConfig = NonNullable<z.output<typeof auditEventsSchema>>;
export type AuditInfluxMetadata = z.output<typeof influxMetadata>;
export type AuditFileMetadata = z.output<ReturnType<typeof fileMetadata>>;
export type { AuditScreenshotsConfig } from './screenshots/config.ts';
export type AuditStaticTag = z.output<typeof staticTag>;

/** The destination kinds upstream knows; others get a warning. */
const KNOWN_TYPES = ['influxdb', 'parquet', 'qvd', 'json'];

/** The rules between keys; like upstream they apply whenever the section is present. */
export function checkAuditEvents(s: { auditEvents?: AuditEventsConfig }, check: SettingsCheck): void {
  const audit = s.auditEvents;
  if (!audit) return;
  const at = (...path: KeyPath) => ['auditEvents', ...path];
  if (audit.tls.enable) {
    check.requireText(at('tls', 'cert'), audit.tls.cert, 'auditEvents.tls.enable is true', 'a PEM file');
    check.requireText(at('tls', 'key'), audit.tls.key, 'auditEvents.tls.enable is true', 'a PEM file');
  }
  for (const item of destinationTypes(audit)) {
    if (!KNOWN_TYPES.includes(item)) {
      check.warn(at('destination', 'type'), `"${item}" is not a destination (influxdb, parquet, qvd, json)`);
    }
  }
  const influx = audit.destination.influxdb?.metadata;
  if (influx) checkInfluxMetadata(influx, audit.destination.enable, check);
  const auth = audit.destination.screenshots?.auth;
  if (auth && auth.mode !== 'none') {
    const why = `auditEvents.destination.screenshots.auth.mode is ${auth.mode}`;
    check.requireHost(at('destination', 'screenshots', 'auth', 'qps', 'host'), auth.qps.host, why);
    if (auth.mode === 'qpsTicket') {
      const qps = at('destination', 'screenshots', 'auth', 'qps');
      check.requireText([...qps, 'userDirectory'], auth.qps.userDirectory, why, 'a user directory');
      check.requireText([...qps, 'userId'], auth.qps.userId, why, 'a user id');
    }
  }
}

function checkInfluxMetadata(m: AuditInfluxMetadata, storing: boolean, check: SettingsCheck): void {
  const base = ['auditEvents', 'destination', 'influxdb', 'metadata'];
  const why = 'auditEvents.destination.influxdb is present';
  check.requireHost([...base, 'host'], m.host, why);
  const storingWhy = 'auditEvents.destination.enable is true';
  if (m.version === 1) {
    check.requireText([...base, 'v1Config', 'dbName'], m.v1Config.dbName, why, 'a database name');
    if (m.v1Config.auth.enable) {
      const auth = [...base, 'v1Config', 'auth', 'username'];
      check.requireText(auth, m.v1Config.auth.username, 'v1Config.auth.enable is true', 'a user name');
    }
  } else if (m.version === 2) {
    const v2 = [...base, 'v2Config'];
    const vWhy = 'metadata.version is 2';
    check.requireText([...v2, 'org'], m.v2Config.org, vWhy, 'an organisation name');
    check.requireText([...v2, 'bucket'], m.v2Config.bucket, vWhy, 'a bucket name');
    check.requireText([...v2, 'token'], m.v2Config.token, vWhy, 'an API token');
    if (storing)
      check.requireText([...v2, 'description'], m.v2Config.description, storingWhy, 'a description');
  } else {
    const v3 = [...base, 'v3Config'];
    const vWhy = 'metadata.version is 3';
    check.requireText([...v3, 'database'], m.v3Config.database, vWhy, 'a database name');
    check.requireText([...v3, 'token'], m.v3Config.token, vWhy, 'an API token');
    if (storing)
      check.requireText([...v3, 'description'], m.v3Config.description, storingWhy, 'a description');
  }
}
