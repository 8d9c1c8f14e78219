import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createRecordingLogger } from '../../../../src/logging/logger.ts';
import { categoryNames, compileCategoriser } from '../../../../src/sources/log-events/categorise.ts';

const rules = [
  {
    description: 'access denied',
    logLevel: ['WARN', 'error'],
    action: 'categorise',
    category: [{ name: 'qs_log_category', value: 'access-denied' }],
    filter: [
      { type: 'sw', value: 'Access was denied for User:' },
      { type: 'so', value: 'was denied for User' },
    ],
  },
  {
    description: 'service',
    logLevel: ['warn'],
    action: 'categorise',
    category: [
      { name: 'qs_log_category', value: 'qs-service' },
      { name: 'team', value: 'ops' },
    ],
    filter: [{ type: 'EW', value: 'remote server' }],
  },
  {
    description: 'noise',
    logLevel: [' Warn '],
    action: ' Drop',
    category: [{ name: 'qs_log_category', value: 'noise' }],
    filter: [{ type: 'so', value: 'heartbeat' }],
  },
  {
    description: 'duplicate of the first',
    logLevel: ['warn'],
    action: 'categorise',
    category: [{ name: 'qs_log_category', value: 'access-denied' }],
    filter: [{ type: 'so', value: 'denied' }],
  },
];
const ruleDefault = { enable: true, category: [{ name: 'qs_log_category', value: 'unknown' }] };

describe('log event categorisation', () => {
  const cat = compileCategoriser({ enable: true, rules, ruleDefault }, createRecordingLogger());

  it('collects categories of every matching rule, de-duplicated, level case-insensitive', () => {
    assert.deepEqual(cat('WARN', 'Access was denied for User: x, remote server'), {
      action: 'categorised',
      category: [
        { name: 'qs_log_category', value: 'access-denied' },
        { name: 'qs_log_category', value: 'qs-service' },
        { name: 'team', value: 'ops' },
      ],
    });
  });

  it('applies the default when nothing matched; filters are case-sensitive', () => {
    assert.deepEqual(cat('warn', 'access was DENIED'), {
      action: 'categorised',
      category: [{ name: 'qs_log_category', value: 'unknown' }],
    });
  });

  it('ignores rules for other levels', () => {
    assert.deepEqual(cat('FATAL', 'Access was denied for User: x'), {
      action: 'categorised',
      category: [{ name: 'qs_log_category', value: 'unknown' }],
    });
  });

  it('a matching drop rule drops, even after earlier matches (normalised action/level)', () => {
    assert.deepEqual(cat('WARN', 'Access was denied for User: heartbeat'), { action: 'dropped' });
    assert.deepEqual(cat('ERROR', 'heartbeat'), {
      action: 'categorised',
      category: [{ name: 'qs_log_category', value: 'unknown' }],
    });
  });

  it('treats null rules as empty and warns once about unknown filter types', () => {
    const log = createRecordingLogger();
    const none = compileCategoriser({ enable: true, rules: null, ruleDefault: { enable: false } }, log);
    assert.deepEqual(none('WARN', 'x'), { action: 'categorised', category: [] });
    const odd = compileCategoriser(
      {
        enable: true,
        rules: [
          { logLevel: ['warn'], action: 'categorise', category: [], filter: [{ type: 'regex', value: '.' }] },
        ],
      },
      log,
    );
    odd('WARN', 'x');
    odd('WARN', 'y');
    assert.equal(log.lines.filter((l) => l.level === 'warn').length, 1);
  });

  it('lists every category name for InfluxDB v1 tag declarations', () => {
    assert.deepEqual(categoryNames({ enable: true, rules, ruleDefault }), ['qs_log_category', 'team']);
  });
});
