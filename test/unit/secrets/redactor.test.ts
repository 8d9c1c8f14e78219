/** The one redactor: known values in every form, credential shapes, one mask, redaction before cuts. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  createRedactor,
  MASK,
  redactCredentialShapes,
  redactedExcerpt,
} from '../../../src/secrets/redactor.ts';

describe('createRedactor', () => {
  it('replaces known values as is, JSON-escaped and URL-encoded, longest first', () => {
    const redact = createRedactor(['pa"ss w/rd', 'token-123', 'token-123-long']);
    assert.equal(redact('a pa"ss w/rd b'), `a ${MASK} b`);
    assert.equal(redact(JSON.stringify({ p: 'pa"ss w/rd' })), `{"p":"${MASK}"}`);
    assert.equal(redact(`x=${encodeURIComponent('pa"ss w/rd')}`), `x=${MASK}`);
    assert.equal(redact('token-123-long and token-123'), `${MASK} and ${MASK}`);
  });

  it('removes the start of a secret where someone else cut the text, and only there', () => {
    const redact = createRedactor(['NRII-d9c31f0be2a64c7f8aa1']);
    // A parser quoting the first characters of an answer, a server shortening its message.
    assert.equal(
      redact('Unexpected token in JSON at "key NRII-d9c31f0..."'),
      `Unexpected token in JSON at "key ${MASK}..."`,
    );
    assert.equal(redact('rejected: NRII-d9c3…'), `rejected: ${MASK}…`);
    assert.equal(redact('answer ends with NRII-d9c31'), `answer ends with ${MASK}`);
    // Fewer than six characters, or a prefix not followed by a cut, is ordinary text.
    assert.equal(redact('NRII-…'), 'NRII-…');
    assert.equal(redact('NRII-d9c3 is a prefix in the middle'), 'NRII-d9c3 is a prefix in the middle');
  });

  it('leaves values shorter than 3 characters alone, and uses a given replacement', () => {
    const redact = createRedactor([
      'ab',
      { value: 'https://hc-ping.com/uuid', replacement: `https://hc${MASK}` },
    ]);
    assert.equal(redact('ab cab'), 'ab cab');
    assert.equal(redact('to https://hc-ping.com/uuid'), `to https://hc${MASK}`);
  });
});

describe('redactCredentialShapes', () => {
  it('masks the password of a URL, keeping the user', () => {
    assert.equal(
      redactCredentialShapes('http://butler:s3cret@influx:8086/x'),
      `http://butler:${MASK}@influx:8086/x`,
    );
    assert.equal(redactCredentialShapes('http://influx:8086/x'), 'http://influx:8086/x');
  });

  it('masks Authorization-like header values, keeping the scheme', () => {
    assert.equal(redactCredentialShapes('Authorization: Bearer abc'), `Authorization: Bearer ${MASK}`);
    assert.equal(
      redactCredentialShapes('{"authorization":"Token xyz"}'),
      `{"authorization":"Token ${MASK}"}`,
    );
    assert.equal(redactCredentialShapes('Api-Key: NRII-1, next'), `Api-Key: ${MASK}, next`);
    assert.equal(redactCredentialShapes('x-insert-key=abc'), `x-insert-key=${MASK}`);
    assert.equal(redactCredentialShapes('sent Bearer abcdefghijkl'), `sent Bearer ${MASK}`);
  });

  it('masks token-like query parameters and nothing else', () => {
    assert.equal(
      redactCredentialShapes('GET https://h/p?token=t1&a=b&apiKey=k2&user_password=p3#f'),
      `GET https://h/p?token=${MASK}&a=b&apiKey=${MASK}&user_password=${MASK}#f`,
    );
    assert.equal(redactCredentialShapes('https://h/p?xrfkey=abc&a=b'), 'https://h/p?xrfkey=abc&a=b');
  });
});

describe('redactedExcerpt', () => {
  it('redacts before cutting, so no beginning of a secret survives a cut', () => {
    const secret = 'super-secret-value';
    const text = `${'x'.repeat(10)}${secret}`;
    const out = redactedExcerpt(createRedactor([secret]), text, 15);
    assert.equal(out, `${'x'.repeat(10)}*****…`);
    assert.equal(redactedExcerpt(createRedactor([secret]), 'short', 15), 'short');
  });
});
