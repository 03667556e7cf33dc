import '../../elements/index.js';
import { getPageConnection, PageConnection } from '../../elements/index.js';
import { equal, ok } from '../browser-support/assert.js';
import { waitFor } from '../browser-support/harness.js';
import { describe, it } from '../browser-support/mocha.js';

// A duplicated tab starts with a copy of its parent's sessionStorage, client id included. A second
// tab-owned connection on this page keeps its id under the next key; copying the page's id there makes it
// play the younger tab here.
describe('the tab client id', () => {
  it('is kept in sessionStorage, and a younger connection with the same id takes a new one', async () => {
    const elder = getPageConnection();
    const id = elder.clientId;
    equal(sessionStorage.getItem('nasc:clientId'), id);
    ok(/^[\w-]{22}$/.test(id), `a 128-bit id in base64url (got ${id})`);
    sessionStorage.setItem('nasc:clientId:1', id);
    const younger = new PageConnection();
    equal(younger.clientId, id, 'the younger connection starts with the copied id');
    await waitFor(() => younger.clientId !== id, 'the younger connection to take a new id');
    equal(elder.clientId, id, 'the elder keeps its id');
    ok(/^[\w-]{16,64}$/.test(younger.clientId));
    younger.close();
  });

  it('differs for a second connection of the page (e.g. to another server), and is kept for it across reloads', () => {
    const other = new PageConnection({ base: 'https://other.example/nasc' });
    ok(other.clientId !== getPageConnection().clientId, 'its own id');
    equal(sessionStorage.getItem('nasc:clientId:2'), other.clientId, 'kept under its own key');
    other.close();
  });

  it('stays the same for connections given their own id', () => {
    const own = new PageConnection({ clientId: 'given-client-id-0001' });
    equal(own.clientId, 'given-client-id-0001');
    own.close();
  });
});
