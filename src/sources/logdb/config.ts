/** The `logdb` section: the Sense log database (QLogs) poller, upstream up to v10. */
import { z } from 'zod';
import type { SettingsCheck } from '../../config/kit/check.ts';
import { bool, port, positive, section, str, text } from '../../config/kit/fields.ts';
import type { ServersToMonitorConfig } from '../sense-polls/config.ts';
import { logDbPeriodMs } from './period.ts';

export const logdbSchema = section(
  {
    enable: bool(
      false,
      'Poll the Sense log database (QLogs) for warnings and errors (upstream up to v10; removed in v11).',
    ),
    pollingInterval: positive(60000, 'Query interval (ms, at least 1000).'),
    queryPeriod: str(
      '5 minutes',
      'How far back each query looks: a number and a unit (second, minute, hour, day), e.g. "5 minutes".',
    ),
    host: str('', 'Log database (PostgreSQL) host, usually the central node (required when enabled).'),
    port: port(4432, 'Log database port (Sense bundles PostgreSQL on 4432).'),
    qlogsReaderUser: str('qlogs_reader', 'Read-only database user created by Sense.'),
    qlogsReaderPwd: z
      .preprocess((value) => value ?? '', text)
      .describe('Password of qlogsReaderUser (secret).'),
    extractErrors: bool(true, 'Read error and fatal rows.'),
    extractWarnings: bool(true, 'Read warning rows.'),
    extractInfo: bool(false, 'Read info rows.'),
  },
  'Sense log database poller (upstream up to v10; rows also need a server with a matching logDbHost to reach InfluxDB).',
);

export type LogDbConfig = z.output<typeof logdbSchema>;

const BECAUSE = 'logdb.enable is true';

export function checkLogdb(
  s: { logdb: LogDbConfig; serversToMonitor: ServersToMonitorConfig },
  check: SettingsCheck,
): void {
  const logdb = s.logdb;
  if (!logdb.enable) return;
  check.requireHost(['logdb', 'host'], logdb.host, BECAUSE);
  check.requireText(['logdb', 'qlogsReaderUser'], logdb.qlogsReaderUser, BECAUSE, 'a database user name');
  if (!logdb.extractErrors && !logdb.extractWarnings && !logdb.extractInfo) {
    // Upstream built an empty SQL `IN ()` list and failed every poll
    // (docs/reference/sense-apis.md#edge-cases-of-the-log-database).
    check.error(
      ['logdb', 'extractErrors'],
      `extractErrors, extractWarnings and extractInfo are all false, so nothing would be read (${BECAUSE})`,
      'at least one of logdb.extractErrors, extractWarnings, extractInfo true',
    );
  }
  checkPeriods(logdb, check);
  if (!s.serversToMonitor.servers.some((server) => (server.logDbHost ?? '').trim() !== '')) {
    check.warn(
      ['serversToMonitor', 'servers'],
      'logdb.enable is true but no server has logDbHost: log database rows are not stored in InfluxDB (only published to MQTT)',
    );
  }
}

/** A period the poller accepts, not shorter than the polling interval; an interval of at least a second. */
function checkPeriods(logdb: LogDbConfig, check: SettingsCheck): void {
  const periodMs = logDbPeriodMs(logdb.queryPeriod);
  if (periodMs === undefined) {
    check.error(
      ['logdb', 'queryPeriod'],
      `"${logdb.queryPeriod}" is not a period the log database poller accepts (${BECAUSE})`,
      'a number and a unit, e.g. "5 minutes", "1 hour", "30 seconds"',
    );
  } else if (periodMs < logdb.pollingInterval) {
    check.warn(
      ['logdb', 'queryPeriod'],
      `queryPeriod (${logdb.queryPeriod}) is shorter than pollingInterval (${logdb.pollingInterval} ms): rows written between two polls can be missed`,
    );
  }
  if (logdb.pollingInterval < 1000) {
    check.error(
      ['logdb', 'pollingInterval'],
      `${logdb.pollingInterval} ms is too short (${BECAUSE})`,
      'at least 1000 (ms)',
    );
  }
}
