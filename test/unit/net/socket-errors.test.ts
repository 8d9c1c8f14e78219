import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HttpIncompleteAnswerError, HttpTimeoutError } from '../../../src/http/client.ts';
import { socketErrorText, socketFailureOf } from '../../../src/net/socket-errors.ts';

const errno = (code: string) => Object.assign(new Error(`connect ${code} 10.0.0.5:8086`), { code });

describe('socketFailureOf', () => {
  it('reads the codes of the error, its causes and aggregated errors', () => {
    const cases: [unknown, string][] = [
      [errno('ECONNREFUSED'), 'refused'],
      [new TypeError('fetch failed', { cause: errno('ECONNREFUSED') }), 'refused'],
      [new AggregateError([errno('EHOSTUNREACH'), errno('ENETUNREACH')]), 'unreachable'],
      [errno('ENOTFOUND'), 'host_not_found'],
      [errno('EAI_AGAIN'), 'host_not_found'],
      [errno('ETIMEDOUT'), 'timeout'],
      [new HttpTimeoutError(100), 'timeout'],
      [errno('CERT_HAS_EXPIRED'), 'tls'],
      [errno('ERR_TLS_CERT_ALTNAME_INVALID'), 'tls'],
      [errno('ECONNRESET'), 'reset'],
      [new HttpIncompleteAnswerError(), 'reset'],
      [new Error('something else'), 'network'],
      [undefined, 'network'],
    ];
    for (const [error, failure] of cases) assert.equal(socketFailureOf(error), failure, String(error));
  });

  it('a timeout anywhere in the chain wins over other codes', () => {
    assert.equal(socketFailureOf(new AggregateError([errno('ECONNREFUSED'), errno('ETIMEDOUT')])), 'timeout');
  });
});

describe('socketErrorText', () => {
  it('prefixes the innermost message with the code unless it names it already', () => {
    assert.equal(socketErrorText(errno('ECONNREFUSED')), 'connect ECONNREFUSED 10.0.0.5:8086');
    assert.equal(
      socketErrorText(
        Object.assign(new Error('outer'), { cause: { code: 'EPIPE', message: 'broken pipe' } }),
      ),
      'EPIPE: broken pipe',
    );
  });
});
