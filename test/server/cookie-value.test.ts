import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cookieValue } from '../../server/security/cookie-value.js';

test('cookieValue finds one cookie by its whole name, like a full parse would', () => {
  const name = 'nasc_session';
  assert.equal(cookieValue(undefined, name), undefined);
  assert.equal(cookieValue('', name), undefined);
  assert.equal(cookieValue('nasc_session=v1.a.b', name), 'v1.a.b');
  assert.equal(cookieValue('theme=dark; nasc_session=v1.a.b; other=1', name), 'v1.a.b');
  assert.equal(cookieValue('theme=dark;nasc_session=v1.a.b', name), 'v1.a.b');
  // A longer name that ends with ours, or ours inside a value, is not ours.
  assert.equal(cookieValue('x_nasc_session=forged; nasc_session=real', name), 'real');
  assert.equal(cookieValue('note=nasc_session=forged', name), undefined);
  assert.equal(cookieValue('nasc_session_old=1', name), undefined);
  // The first of two wins (the browser sends the most specific path first).
  assert.equal(cookieValue('nasc_session=first; nasc_session=second', name), 'first');
  assert.equal(cookieValue('nasc_session="quoted"', name), 'quoted');
  assert.equal(cookieValue('nasc_session=a%2Eb', name), 'a.b');
  assert.equal(cookieValue('nasc_session=%E0%A4%A', name), '%E0%A4%A', 'a bad escape is kept as sent (and then fails verification)');
  assert.equal(cookieValue('nasc_session=', name), '');
});
