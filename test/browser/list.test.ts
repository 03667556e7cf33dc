import '../../elements/index.js';
import type { JsonObject } from '../../protocol/index.js';
import { deepEqual, equal, ok, sameNodes } from '../browser-support/assert.js';
import {
  cleanupFixtures,
  fixture,
  otherClient,
  params,
  spyOnWarnings,
  TRANSPORTS,
  uid,
  waitFor,
  waitForValue,
  type Fixture,
} from '../browser-support/harness.js';
import { afterEach, describe, it } from '../browser-support/mocha.js';

const ITEM_TEMPLATE = `<template><li><na-bind class="title" prop="title"></na-bind><input class="edit"><button class="pick" na-click="echo" data-action="pick">pick</button></li></template>`;

function listMarkup(instance: string, items: JsonObject[], key = 'id'): string {
  return `<na-scope type="List" instance="${instance}" ${params({ ready: true, items })}>
    <ul><na-bind id="list" prop="items" key="${key}">${ITEM_TEMPLATE}</na-bind></ul>
  </na-scope>`;
}

function items(f: Fixture): HTMLLIElement[] {
  return [...f.root.querySelectorAll<HTMLLIElement>('#list > li')];
}

function titles(f: Fixture): string {
  return items(f)
    .map((li) => li.querySelector('.title')!.textContent)
    .join(',');
}

async function waitForTitles(f: Fixture, expected: string): Promise<void> {
  await waitFor(() => titles(f) === expected, () => `items "${expected}" (they are "${titles(f)}")`);
}

const ONE_TWO_THREE = [
  { id: 1, title: 'one' },
  { id: 2, title: 'two' },
  { id: 3, title: 'three' },
];

for (const transport of TRANSPORTS) {
  describe(`keyed list over ${transport}`, () => {
    afterEach(() => cleanupFixtures());

    it('renders one template copy per item, after the template, with bindings bound to the item', async () => {
      const instance = uid();
      const f = fixture(transport, listMarkup(instance, ONE_TWO_THREE));
      await waitForTitles(f, 'one,two,three');
      const list = f.$('#list');
      ok(list.firstElementChild instanceof HTMLTemplateElement, 'the template stays first');
      equal(list.children.length, 4, 'template + 3 items');
      const [li] = items(f);
      const title = li!.querySelector('.title')!;
      await otherClient('List', instance, 'set', { items: [{ id: 1, title: 'ONE' }, ...ONE_TWO_THREE.slice(1)] });
      await waitForTitles(f, 'ONE,two,three');
      ok(items(f)[0] === li && li!.querySelector('.title') === title, 'the item was updated in place');
    });

    it('binds prop="." to the item itself (a list of strings)', async () => {
      const instance = uid();
      const warnings = spyOnWarnings();
      try {
        const f = fixture(
          transport,
          `<na-scope type="List" instance="${instance}" ${params({ tags: ['red', '<b>green</b>'] })}>
             <p id="tags"><na-bind prop="tags"><template><span class="tag"><na-bind prop="."></na-bind></span></template></na-bind></p>
           </na-scope>`,
        );
        const tags = () => [...f.root.querySelectorAll('.tag')].map((tag) => tag.textContent).join('|');
        await waitFor(() => tags() === 'red|<b>green</b>', () => `tags (they are "${tags()}")`);
        equal(f.root.querySelector('#tags b'), null, 'items are text too');
        await otherClient('List', instance, 'set', { tags: ['blue'] });
        await waitFor(() => tags() === 'blue', () => `tags updated (they are "${tags()}")`);
      } finally {
        warnings.restore();
      }
    });

    it('keeps the DOM nodes of surviving items across reorder, insert and remove', async () => {
      const instance = uid();
      const f = fixture(transport, listMarkup(instance, ONE_TWO_THREE));
      await waitForTitles(f, 'one,two,three');
      const [one, two, three] = items(f);

      await otherClient('List', instance, 'set', { items: [ONE_TWO_THREE[2]!, ONE_TWO_THREE[0]!, ONE_TWO_THREE[1]!] });
      await waitForTitles(f, 'three,one,two');
      sameNodes(items(f), [three, one, two], 'after reorder');

      await otherClient('List', instance, 'set', { items: [ONE_TWO_THREE[2]!, { id: 4, title: 'four' }, ONE_TWO_THREE[0]!, ONE_TWO_THREE[1]!] });
      await waitForTitles(f, 'three,four,one,two');
      const four = items(f)[1]!;
      ok(![one, two, three].includes(four), 'the inserted item is a new node');
      sameNodes(items(f), [three, four, one, two], 'after insert');

      await otherClient('List', instance, 'set', { items: [ONE_TWO_THREE[2]!, { id: 4, title: 'four' }, ONE_TWO_THREE[1]!] });
      await waitForTitles(f, 'three,four,two');
      sameNodes(items(f), [three, four, two], 'after remove');
      equal(one!.isConnected, false, 'the removed item left the DOM');

      await otherClient('List', instance, 'set', { items: [] });
      await waitForTitles(f, '');
      equal(f.$('#list').children.length, 1, 'only the template is left');
    });

    it('keeps focus and caret on an input inside a moved item', async () => {
      const instance = uid();
      const f = fixture(transport, listMarkup(instance, ONE_TWO_THREE));
      await waitForTitles(f, 'one,two,three');
      const [one, two, three] = items(f);
      const input = one!.querySelector<HTMLInputElement>('.edit')!;
      input.focus();
      input.value = 'hello world';
      input.setSelectionRange(3, 5);
      equal(document.activeElement, input, 'focused before');

      // "one" moves from first to last, "two" from second to first.
      await otherClient('List', instance, 'set', { items: [ONE_TWO_THREE[1]!, ONE_TWO_THREE[2]!, ONE_TWO_THREE[0]!] });
      await waitForTitles(f, 'two,three,one');
      sameNodes(items(f), [two, three, one], 'after reorder');
      equal(document.activeElement, input, 'focus stayed on the moved input');
      equal(input.value, 'hello world');
      deepEqual([input.selectionStart, input.selectionEnd], [3, 5], 'selection kept');

      await otherClient('List', instance, 'set', { items: [ONE_TWO_THREE[0]!, { id: 9, title: 'nine' }, ONE_TWO_THREE[1]!] });
      await waitForTitles(f, 'one,nine,two');
      equal(document.activeElement, input, 'focus stayed after insert/remove around it');
      deepEqual([input.selectionStart, input.selectionEnd], [3, 5], 'selection kept');
    });

    it('adds the item’s key to events sent from inside an item', async () => {
      const instance = uid();
      const f = fixture(transport, listMarkup(instance, [{ id: 7, title: 'seven' }, { id: 'x8', title: 'eight' }]));
      await waitForTitles(f, 'seven,eight');
      items(f)[0]!.querySelector<HTMLButtonElement>('.pick')!.click();
      await waitForValue(f.connection, 'List', instance, 'lastPayload', { action: 'pick', id: 7 });
      items(f)[1]!.querySelector<HTMLButtonElement>('.pick')!.click();
      await waitForValue(f.connection, 'List', instance, 'lastPayload', { action: 'pick', id: 'x8' });
    });

    it('compares keys as strings: 1 and "1" are the same item', async () => {
      const instance = uid();
      const f = fixture(transport, listMarkup(instance, [{ id: 1, title: 'number one' }, { id: 2, title: 'two' }]));
      await waitForTitles(f, 'number one,two');
      const [one, two] = items(f);
      await otherClient('List', instance, 'set', { items: [{ id: '2', title: 'string two' }, { id: '1', title: 'string one' }] });
      await waitForTitles(f, 'string two,string one');
      sameNodes(items(f), [two, one], 'same nodes under string keys');
    });

    it('warns (console.warn) about items without a key and about duplicate keys', async () => {
      const instance = uid();
      // warnOnce dedupes per type and key name / key: fresh names make this test independent of the others.
      const keyName = `k${uid('').replace(/-/g, '')}`;
      const duplicate = uid('dup');
      const warnings = spyOnWarnings();
      try {
        const f = fixture(transport, listMarkup(instance, [{ [keyName]: 'a', title: 'keyed' }, { title: 'keyless' }], keyName));
        await waitForTitles(f, 'keyed,keyless');
        await waitFor(() => warnings.messages.some((m) => m.includes(`no "${keyName}" key`)), () => `a missing-key warning (got ${JSON.stringify(warnings.messages)})`);

        await otherClient('List', instance, 'set', { items: [{ [keyName]: duplicate, title: 'first' }, { [keyName]: duplicate, title: 'second' }] });
        await waitForTitles(f, 'first,second');
        await waitFor(() => warnings.messages.some((m) => m.includes(`share the key "${duplicate}"`)), () => `a duplicate-key warning (got ${JSON.stringify(warnings.messages)})`);
      } finally {
        warnings.restore();
      }
    });
  });
}
