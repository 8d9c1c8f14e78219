import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PollSeries, sampleProblem } from '../../../../src/destinations/remote-write/poll-series.ts';

const sample = (name: string, labels: Record<string, string>, value: number) => ({
  name,
  help: '',
  labels,
  value,
});

test('a poll pushes its samples; a series the next poll lacks ends with a staleness marker', () => {
  const polls = new PollSeries();
  const first = polls.publish(
    'engine-health/one',
    [
      sample('butlersos_engine_metadata', { engine_version: '14.1' }, 1),
      sample('butlersos_cpu_total', {}, 5),
    ],
    1000,
  );
  assert.deepEqual(
    first.map((s) => [s.n, s.v, s.t]),
    [
      ['butlersos_engine_metadata', 1, 1000],
      ['butlersos_cpu_total', 5, 1000],
    ],
  );
  const second = polls.publish(
    'engine-health/one',
    [
      sample('butlersos_engine_metadata', { engine_version: '14.2' }, 1),
      sample('butlersos_cpu_total', {}, 6),
    ],
    2000,
  );
  assert.deepEqual(
    second.map((s) => [s.n, s.l, s.v, s.t]),
    [
      ['butlersos_engine_metadata', { engine_version: '14.2' }, 1, 2000],
      ['butlersos_cpu_total', {}, 6, 2000],
      ['butlersos_engine_metadata', { engine_version: '14.1' }, 'stale', 2000],
    ],
  );
});

test('a failed poll ends every series of its scope, once', () => {
  const polls = new PollSeries();
  polls.publish('a', [sample('m1', {}, 1), sample('m2', { x: 'y' }, 2)], 1000);
  polls.publish('b', [sample('m1', { other: '1' }, 1)], 1000);
  assert.deepEqual(
    polls.end('a', 3000).map((s) => [s.n, s.v, s.t]),
    [
      ['m1', 'stale', 3000],
      ['m2', 'stale', 3000],
    ],
  );
  assert.deepEqual(polls.end('a', 4000), []);
});

test('samples the scrape endpoint refuses are refused here too', () => {
  assert.equal(sampleProblem(sample('ok_metric', { a: 'b' }, 1)), undefined);
  assert.equal(sampleProblem(sample('bad-metric', {}, 1)), 'invalid metric name');
  assert.equal(sampleProblem(sample('m', { 'bad label': 'x' }, 1)), 'invalid label name "bad label"');
  assert.equal(sampleProblem(sample('m', { __reserved: 'x' }, 1)), 'invalid label name "__reserved"');
});
