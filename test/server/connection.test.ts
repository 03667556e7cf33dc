/**
 * A stream's subscriptions and the names its client gave them: with `resolveInstance`, a client's name for an
 * instance may differ from the stored one, per (type, instance), and one page may show an instance under two
 * names. Every message reaches the client under each name it mounted, and never renames another type.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Connection, type ClientChannel } from '../../server/engine/connection.js';

function connectionSendingTo(sent: string[]): Connection {
  const channel: ClientChannel = { send: (text) => void sent.push(text), close: () => undefined };
  return new Connection('s\u001fc', { session: 's', clientId: 'c' }, channel);
}

const batch = (type: string, instance: string) => JSON.stringify([{ action: 'bindUpdate', type, instance, prop: 'n', value: 1, rev: 2 }]);

describe('Connection', () => {
  test('an alias renames only its own type: Inbox/alice stays Inbox/alice while User/alice is User/me', () => {
    const sent: string[] = [];
    const connection = connectionSendingTo(sent);
    connection.subscribe('User\u0000alice', 'alice', 'me');
    connection.subscribe('Inbox\u0000alice', 'alice', 'alice');
    connection.send(batch('User', 'alice'));
    connection.send(batch('Inbox', 'alice'));
    assert.deepEqual(sent, [batch('User', 'me'), batch('Inbox', 'alice')]);
  });

  test('an instance shown under two names gets each message under both; dropping one name keeps the other', () => {
    const sent: string[] = [];
    const connection = connectionSendingTo(sent);
    connection.subscribe('User\u0000alice', 'alice', 'me');
    connection.subscribe('User\u0000alice', 'alice', 'alice');
    connection.send(batch('User', 'alice'));
    assert.deepEqual(sent, [batch('User', 'me'), batch('User', 'alice')]);
    assert.equal(connection.unsubscribe('User\u0000alice', 'alice', 'me'), false, 'still subscribed under its own name');
    sent.length = 0;
    connection.send(batch('User', 'alice'));
    assert.deepEqual(sent, [batch('User', 'alice')], 'no renaming left');
    assert.equal(connection.unsubscribe('User\u0000alice', 'alice', 'alice'), true);
    assert.equal(connection.subscriptions.size, 0);
  });

  test('without aliases a message goes out as the very same string', () => {
    const sent: string[] = [];
    const connection = connectionSendingTo(sent);
    connection.subscribe('Doc\u0000d', 'd', 'd');
    const text = batch('Doc', 'd');
    connection.send(text);
    assert.equal(sent[0], text);
  });
});
