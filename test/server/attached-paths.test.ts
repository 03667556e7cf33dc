import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AttachedPaths } from '../../server/node/attached-paths.js';

test('each attach has its own detach; a path stays taken until all of its attaches are undone', () => {
  const paths = new AttachedPaths();
  let emptied = 0;
  const onEmpty = () => void (emptied += 1);
  const first = paths.add('/nasc/ws', onEmpty);
  const second = paths.add('/nasc/ws', onEmpty);
  const other = paths.add('/api/ws', onEmpty);
  first();
  first();
  assert.ok(paths.has('/nasc/ws'), 'a detach called twice undoes one attach, not two');
  second();
  assert.ok(!paths.has('/nasc/ws'));
  assert.equal(emptied, 0, 'another path is still taken');
  other();
  other();
  assert.ok(!paths.has('/api/ws'));
  assert.equal(emptied, 1, 'emptied once, when the last path went');
});

test('a path is compared as given: no query, no other spelling', () => {
  const paths = new AttachedPaths();
  paths.add('/nasc/event', () => undefined);
  assert.ok(paths.has('/nasc/event'));
  assert.ok(!paths.has('/nasc/event/'));
  assert.ok(!paths.has('/NASC/event'));
  assert.ok(!paths.has(''));
});
