/**
 * `na-pending` and `aria-busy` follow an element's unacknowledged events from the next animation frame on:
 * attributes set and removed between two frames are never painted, so an answer within the frame costs no
 * restyle, and a slower one shows in the frame an immediate mark would have shown in. No transport here: the
 * marks are counted by the page connection, and the end-to-end case is in `events.test.ts` (both transports).
 */
import { pendingEvents } from '../../elements/index.js';
import { markPending } from '../../elements/dom/pending-marks.js';
import { deepEqual, equal, ok } from '../browser-support/assert.js';
import { describe, it } from '../browser-support/mocha.js';

/** Resolves after the next animation frame's callbacks have run. */
function nextFrame(): Promise<void> {
  return new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve)));
}

/** A button in the page, and every attribute change made to it. */
function watchedButton(): { button: HTMLButtonElement; changes: string[]; done: () => void } {
  const button = document.createElement('button');
  document.body.append(button);
  const changes: string[] = [];
  const observer = new MutationObserver((records) => {
    for (const record of records) changes.push(`${record.attributeName}=${button.getAttribute(record.attributeName!)}`);
  });
  observer.observe(button, { attributes: true });
  return {
    button,
    changes,
    done: () => {
      observer.disconnect();
      button.remove();
    },
  };
}

describe('pending marks', () => {
  it('an event settled before the next frame never touches the attributes', async () => {
    const { button, changes, done } = watchedButton();
    markPending(button, +1);
    equal(pendingEvents(button), 1);
    markPending(button, -1);
    equal(pendingEvents(button), 0);
    await nextFrame();
    await nextFrame();
    deepEqual(changes, []);
    equal(button.hasAttribute('na-pending'), false);
    done();
  });

  it('an event still waiting at the next frame marks the element until it is settled', async () => {
    const { button, changes, done } = watchedButton();
    markPending(button, +1);
    equal(button.hasAttribute('na-pending'), false, 'not before the frame');
    await nextFrame();
    ok(button.hasAttribute('na-pending'));
    equal(button.getAttribute('aria-busy'), 'true');
    markPending(button, -1);
    equal(button.hasAttribute('na-pending'), false, 'removed as soon as it is settled');
    equal(button.hasAttribute('aria-busy'), false);
    await Promise.resolve(); // the observer's records are delivered on a microtask
    deepEqual(changes, ['na-pending=', 'aria-busy=true', 'na-pending=null', 'aria-busy=null']);
    done();
  });

  it('stays marked while any of several events waits, and marks again after a settle and a new send', async () => {
    const { button, done } = watchedButton();
    markPending(button, +1);
    markPending(button, +1);
    await nextFrame();
    markPending(button, -1);
    ok(button.hasAttribute('na-pending'), 'one of two still waits');
    markPending(button, -1);
    equal(button.hasAttribute('na-pending'), false);
    // Settled and sent again within one frame: the new event is marked at the next frame.
    markPending(button, +1);
    markPending(button, -1);
    markPending(button, +1);
    equal(button.hasAttribute('na-pending'), false);
    await nextFrame();
    ok(button.hasAttribute('na-pending'));
    markPending(button, -1);
    equal(button.hasAttribute('na-pending'), false);
    done();
  });

  it('marks every element that sent in the same frame', async () => {
    const first = watchedButton();
    const second = watchedButton();
    markPending(first.button, +1);
    markPending(second.button, +1);
    await nextFrame();
    ok(first.button.hasAttribute('na-pending') && second.button.hasAttribute('na-pending'));
    markPending(first.button, -1);
    markPending(second.button, -1);
    first.done();
    second.done();
  });
});
