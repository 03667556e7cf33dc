import '../../elements/index.js';
import { getPageConnection, type NaScope } from '../../elements/index.js';
import { equal } from '../browser-support/assert.js';
import { BASE, otherClient, params, uid, waitFor, waitForText } from '../browser-support/harness.js';
import { describe, it } from '../browser-support/mocha.js';

// This page's own singleton: configured by an <na-connection> element, used by scopes with no other provider.
describe('the page connection (<na-connection transport="ws">)', () => {
  it('connects the page’s scopes over the transport <na-connection> sets, through the document-level context', async () => {
    const instance = uid();
    const holder = document.createElement('div');
    holder.innerHTML = `<na-connection transport="ws" base="${BASE}"></na-connection>
      <na-scope type="Echo" instance="${instance}" ${params({ name: 'page-wide' })}><na-bind prop="name"></na-bind></na-scope>`;
    document.body.append(holder);
    const bind = holder.querySelector('na-bind')!;
    await waitForText(bind, 'page-wide');
    const connection = getPageConnection();
    equal(connection.transport, 'ws');
    equal(connection.base.href, BASE);
    equal(holder.querySelector<NaScope>('na-scope')!.status, 'live');
    await otherClient('Echo', instance, 'set', { name: 'changed' });
    await waitForText(bind, 'changed');
    await waitFor(() => connection.state === 'live', 'live');
  });
});
