/**
 * Compiled pages are found again by their text, whichever string holds it, and pages that look alike at the
 * slices the lookup samples (same length, same ends and middle) are never mistaken for each other.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CompiledPages } from '../../server/endpoints/compiled-pages.js';

const page = (word: string) =>
  `<!doctype html><html><body>${'<p>padding</p>'.repeat(20)}<na-scope type="T" instance="${word}"></na-scope>${'<p>padding</p>'.repeat(5)}<p>${word}</p>${'<p>padding</p>'.repeat(20)}</body></html>`;

test('a page is compiled once per text, and look-alike pages each get their own', () => {
  const pages = new CompiledPages(8);
  const first = pages.get(page('aaaa'));
  // The same text in another string, as each response brings it.
  assert.equal(pages.get(Buffer.from(page('aaaa')).toString('utf8')), first);
  const other = pages.get(page('bbbb'));
  assert.notEqual(other, first);
  assert.deepEqual(other.scopes.map((scope) => scope.instance), ['bbbb']);
  assert.equal(pages.get(page('aaaa')), first, 'both are kept');
  assert.equal(pages.get(page('bbbb')), other);
});
