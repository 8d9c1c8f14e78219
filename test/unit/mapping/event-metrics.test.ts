import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  DROPPED_METRIC,
  EventMetricCounters,
  LOG_EVENTS_METRIC,
  USER_EVENTS_METRIC,
} from '../../../src/mapping/event-metrics.ts';
import type { LogEventRecord } from '../../../src/records/log-event.ts';
import type { UserEventRecord } from '../../../src/records/user-event.ts';

const log = (host: string, level: string, subsystem: string) =>
  ({ kind: 'log-event', source: 'qseow-engine', host, level, subsystem }) as LogEventRecord;
const user = (host: string, command: string) =>
  ({ kind: 'user-event', messageType: 'qseow-proxy-session', host, command }) as UserEventRecord;

const counterValue = (counters: EventMetricCounters, name: string, labels: Record<string, string>) =>
  counters.samples().find((s) => s.name === name && JSON.stringify(s.labels) === JSON.stringify(labels))
    ?.value;

test('log events count per host, source, level and subsystem; user events per host, type and command', () => {
  const counters = new EventMetricCounters(100);
  for (let i = 0; i < 3; i++) counters.countLog(log('sense1', 'ERROR', 'System.Engine'));
  counters.countLog(log('sense1', 'WARN', 'System.Engine'));
  counters.countLog(log('', '', ''));
  counters.countUser(user('sense1', 'Start session'));
  counters.countUser(user('sense1', 'Start session'));
  assert.equal(
    counterValue(counters, LOG_EVENTS_METRIC, {
      host: 'sense1',
      source: 'qseow-engine',
      level: 'ERROR',
      subsystem: 'System.Engine',
    }),
    3,
  );
  assert.equal(
    counterValue(counters, LOG_EVENTS_METRIC, {
      host: 'sense1',
      source: 'qseow-engine',
      level: 'WARN',
      subsystem: 'System.Engine',
    }),
    1,
  );
  assert.equal(
    counterValue(counters, LOG_EVENTS_METRIC, {
      host: 'Unknown',
      source: 'qseow-engine',
      level: 'Unknown',
      subsystem: 'Unknown',
    }),
    1,
  );
  assert.equal(
    counterValue(counters, USER_EVENTS_METRIC, {
      host: 'sense1',
      event_type: 'qseow-proxy-session',
      command: 'Start session',
    }),
    2,
  );
  assert.equal(counters.series, 4);
});

test('counters are cumulative: taking samples does not reset them', () => {
  const counters = new EventMetricCounters(10);
  counters.countLog(log('h', 'ERROR', 's'));
  counters.samples();
  counters.countLog(log('h', 'ERROR', 's'));
  assert.equal(
    counterValue(counters, LOG_EVENTS_METRIC, {
      host: 'h',
      source: 'qseow-engine',
      level: 'ERROR',
      subsystem: 's',
    }),
    2,
  );
});

test('maxSeries: events of a new label set beyond the cap are counted as dropped; existing series still count', () => {
  const counters = new EventMetricCounters(3);
  for (let i = 0; i < 10; i++) counters.countLog(log(`forged-${i}`, 'ERROR', 's'));
  counters.countUser(user('h', 'Start session'));
  counters.countLog(log('forged-0', 'ERROR', 's'));
  assert.equal(counters.series, 3);
  assert.equal(
    counterValue(counters, LOG_EVENTS_METRIC, {
      host: 'forged-0',
      source: 'qseow-engine',
      level: 'ERROR',
      subsystem: 's',
    }),
    2,
  );
  assert.equal(counterValue(counters, DROPPED_METRIC, { event_type: 'log' }), 7);
  assert.equal(counterValue(counters, DROPPED_METRIC, { event_type: 'user' }), 1);
  const counted = counters
    .samples()
    .filter((s) => s.name !== DROPPED_METRIC)
    .reduce((sum, s) => sum + s.value, 0);
  assert.equal(counted + 7 + 1, 12, 'every event is either counted or dropped');
});
