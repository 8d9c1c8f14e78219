/**
 * An audit API source built as the agent builds it, from a config file's text, for the tests
 * beside this file: each test says only what differs in its `auditEvents` section.
 */
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { Source } from '../../../../src/components/source.ts';
import { loadConfigText } from '../../../../src/config/load.ts';
import { createRecordingLogger } from '../../../../src/logging/logger.ts';
import type { AgentRecord } from '../../../../src/records/record.ts';
import { AppNameTable } from '../../../../src/sources/app-names/table.ts';
import { createAuditApiSource } from '../../../../src/sources/audit-api/source.ts';

type RecordingLogger = ReturnType<typeof createRecordingLogger>;

export interface TestAuditSource {
  source: Source;
  log: RecordingLogger;
  /** Every record the source emitted, in order. */
  emitted: AgentRecord[];
}

/**
 * A source (not started) on loopback with token `change-me` and `audit` merged over that; its
 * spool is `<folder>/<name>` and `name` names the config file in errors.
 */
export function testAuditSource(
  audit: Record<string, unknown>,
  folder: string,
  name: string,
): TestAuditSource {
  const yaml = stringify({
    'Butler-SOS': {
      fileLogging: false,
      delivery: { spoolDirectory: join(folder, name) },
      auditEvents: { enable: true, host: '127.0.0.1', apiToken: 'change-me', ...audit },
    },
  });
  const log = createRecordingLogger();
  const emitted: AgentRecord[] = [];
  const source = createAuditApiSource({
    settings: loadConfigText(yaml, `${name}.yaml`).config['Butler-SOS'],
    log,
    emit: (record) => emitted.push(record),
    appNames: new AppNameTable(),
    counters: {},
    trackError: () => undefined,
    hostname: 'test',
  });
  return { source, log, emitted };
}

/** The line a started source logs with the address it listens on. */
export function listeningLine(log: RecordingLogger): string {
  const line = log.lines.find((l) => l.message.startsWith('AUDIT API: Listening on'));
  if (!line) throw new Error('the audit API logged no "Listening on" line');
  return line.message;
}
