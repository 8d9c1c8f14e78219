/**
 * Provisioning of the InfluxDB database on start, as upstream Butler SOS does
 * (docs/reference/influxdb.md#provisioning): v1 creates the database with its default
 * retention policy, v2 the bucket with its retention, v3 the database. Each step that finds
 * the database already there does nothing.
 */
import type { Logger } from '../../logging/logger.ts';
import { type InfluxConnection, safeJson } from './connection.ts';
import { durationSeconds, isInfluxDuration } from './duration.ts';
import type { InfluxSinkOptions } from './sink.ts';

type V1Settings = NonNullable<InfluxSinkOptions['v1']>;
type V2Settings = NonNullable<InfluxSinkOptions['v2']>;
type V3Settings = NonNullable<InfluxSinkOptions['v3']>;

export async function setupV1(influx: InfluxConnection, v1: V1Settings, log: Logger): Promise<void> {
  const series = (await influx.influxQl('SHOW DATABASES')) as { values?: unknown[][] }[];
  const names = (series[0]?.values ?? []).map((row) => row[0]);
  if (names.includes(v1.database)) {
    log.verbose(`${influx.destination}: database exists, nothing to create`);
    return;
  }
  const duration = v1.retentionPolicy.duration.trim();
  if (!isInfluxDuration(duration))
    throw new Error(
      `${influx.destination}: retention policy duration "${duration}" is not an InfluxDB duration (e.g. 10d)`,
    );
  await influx.influxQl(`CREATE DATABASE ${quoteIdent(v1.database)}`);
  await influx.influxQl(
    `CREATE RETENTION POLICY ${quoteIdent(v1.retentionPolicy.name)} ON ${quoteIdent(v1.database)} DURATION ${duration} REPLICATION 1 DEFAULT`,
  );
  log.info(
    `${influx.destination}: created database with default retention policy "${v1.retentionPolicy.name}" (${duration})`,
  );
}

export async function setupV2(influx: InfluxConnection, v2: V2Settings, log: Logger): Promise<void> {
  const orgId = await findOrgId(influx, v2.org);
  if (await bucketExists(influx, orgId, v2.bucket)) {
    log.verbose(`${influx.destination}: bucket exists, nothing to create`);
    return;
  }
  const retention = v2.retentionDuration ?? '0';
  const everySeconds = durationSeconds(retention);
  if (everySeconds === undefined)
    throw new Error(
      `${influx.destination}: retentionDuration "${retention}" is not an InfluxDB duration (e.g. 10d)`,
    );
  await influx.expectOk('bucket creation', {
    method: 'POST',
    path: '/api/v2/buckets',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      orgID: orgId,
      name: v2.bucket,
      ...(v2.description ? { description: v2.description } : {}),
      retentionRules: everySeconds > 0 ? [{ type: 'expire', everySeconds }] : [],
    }),
  });
  log.info(`${influx.destination}: created bucket (retention ${everySeconds > 0 ? retention : 'infinite'})`);
}

async function findOrgId(influx: InfluxConnection, org: string): Promise<string> {
  const answer = await influx.expectOk('organization lookup', {
    method: 'GET',
    path: '/api/v2/orgs',
    query: { org },
  });
  const orgs = (safeJson(answer) as { orgs?: { id?: string; name?: string }[] })?.orgs;
  const orgId = orgs?.find((o) => o.name === org)?.id ?? orgs?.[0]?.id;
  if (!orgId) throw new Error(`${influx.destination}: organization "${org}" not found`);
  return orgId;
}

/** A 404 answer means no such bucket (InfluxDB 2 answers so to a name filter that matches none). */
async function bucketExists(influx: InfluxConnection, orgId: string, bucket: string): Promise<boolean> {
  const lookup = await influx.request({
    method: 'GET',
    path: '/api/v2/buckets',
    query: { orgID: orgId, name: bucket },
  });
  if (lookup.status === 404) return false;
  if (lookup.status < 200 || lookup.status >= 300)
    throw new Error(
      `${influx.destination}: bucket lookup failed: HTTP ${lookup.status}${influx.quoteAnswer(lookup.body)}`,
    );
  const buckets = (safeJson(lookup.body) as { buckets?: { name?: string }[] })?.buckets ?? [];
  return buckets.some((b) => b.name === bucket);
}

export async function setupV3(influx: InfluxConnection, v3: V3Settings, log: Logger): Promise<void> {
  const list = await influx.request({
    method: 'GET',
    path: '/api/v3/configure/database',
    query: { format: 'json' },
  });
  if (list.status === 401 || list.status === 403) {
    // A database token may write but not list or create databases; InfluxDB 3 then
    // creates the database on the first write (upstream v15 provisions nothing either).
    log.info(`${influx.destination}: token cannot list databases; the first write creates the database`);
    return;
  }
  if (list.status >= 200 && list.status < 300) {
    const rows = safeJson(list.body);
    if (Array.isArray(rows) && rows.some((r) => Object.values(r as object).includes(v3.database))) return;
  }
  await influx.expectOk(
    'database creation',
    {
      method: 'POST',
      path: '/api/v3/configure/database',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ db: v3.database }),
    },
    [409],
  );
  log.info(`${influx.destination}: created database`);
}

/** An InfluxQL identifier in double quotes. */
function quoteIdent(name: string): string {
  return `"${name.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}
