/**
 * The log database source: new warning and error rows of the QLogs PostgreSQL database, each
 * row once, emitted as `logdb` records. A failed query is counted in error tracking.
 */
import { lifecycle } from '../../components/component.ts';
import type { Source, SourceContext } from '../../components/source.ts';
import { type LogDbPoller, startLogDbPoller } from './poller.ts';

export function createLogDbSource(context: SourceContext): Source {
  const { logdb } = context.settings;
  let poller: LogDbPoller | undefined;
  return lifecycle(`Log database at ${logdb.host}:${logdb.port}`, {
    start() {
      poller = startLogDbPoller({
        host: logdb.host,
        port: logdb.port,
        user: logdb.qlogsReaderUser,
        password: logdb.qlogsReaderPwd,
        pollingInterval: logdb.pollingInterval,
        queryPeriod: logdb.queryPeriod,
        extractErrors: logdb.extractErrors,
        extractWarnings: logdb.extractWarnings,
        extractInfo: logdb.extractInfo,
        log: context.log,
        onRecord: context.emit,
        onError: (error) => context.trackError('LOG_DB_QUERY', logdb.host, error),
      });
    },
    stop: () => poller?.stop(),
  });
}
