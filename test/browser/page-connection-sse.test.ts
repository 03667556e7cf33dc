import '../../elements/index.js';
import { connect } from '../../elements/index.js';
import { equal } from '../browser-support/assert.js';
import { BASE, otherClient, params, uid, waitForText } from '../browser-support/harness.js';
import { describe, it } from '../browser-support/mocha.js';

// This page's own singleton, configured from script with connect() (SSE by default).
describe('the page connection (connect({ base }))', () => {
  it('connects the page’s scopes over SSE by default', async () => {
    const connection = connect({ base: BASE });
    const instance = uid();
    const holder = document.createElement('div');
    holder.innerHTML = `<na-scope type="Echo" instance="${instance}" ${params({ name: 'page-wide' })}><na-bind prop="name"></na-bind></na-scope>`;
    document.body.append(holder);
    const bind = holder.querySelector('na-bind')!;
    await waitForText(bind, 'page-wide');
    equal(connection.transport, 'sse');
    await otherClient('Echo', instance, 'set', { name: 'changed' });
    await waitForText(bind, 'changed');
  });
});
