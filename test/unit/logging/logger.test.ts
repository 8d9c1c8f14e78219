import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { createLogger } from '../../../src/logging/logger.ts';

test('logger writes upstream level names and drops lines below the chosen level', () => {
  const out: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      out.push(String(chunk));
      done();
    },
  });
  const log = createLogger('verbose', sink);
  log.verbose('shown', { server: 'a' });
  log.debug('hidden');
  log.error('bad');
  assert.equal(out.length, 2);
  const first = JSON.parse(out[0]!);
  assert.equal(first.level, 25);
  assert.equal(first.msg, 'shown');
  assert.equal(first.server, 'a');
});
