/**
 * The page renderer on its own (`server/render/`): what it writes into a page for given state, and where it
 * never writes. Rendering through the server (sessions, access, forms) is in render-endpoint.test.ts.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { JsonObject } from '../../protocol/index.js';
import { parseHtml, type SourceElement } from '../../server/render/html-tree.js';
import { PageTemplate } from '../../server/render/page-template.js';
import type { FormError, FormEvent } from '../../server/render/render-context.js';

interface Setup {
  states?: Record<string, JsonObject>;
  error?: FormError;
  forms?: boolean;
}

/** Renders `html` with `states` (by `Type/instance`), each at revision 7; forms post to `/nasc/form#<event JSON>`. */
function render(html: string, setup: Setup = {}): string {
  const states = setup.states ?? {};
  return PageTemplate.compile(html).render({
    instance: (type, instance) => {
      const state = states[`${type}/${instance}`];
      return state && { state, rev: 7 };
    },
    ...(setup.error ? { error: setup.error } : {}),
    ...(setup.forms ? { forms: { action: (event: FormEvent) => `/nasc/form#${JSON.stringify(event)}`, button: (event: FormEvent) => JSON.stringify(event), hidden: '/nasc/form?return=/' } } : {}),
  });
}

/** Every element of a parsed page, in document order, as `name[attributes]`. */
function elements(html: string): string[] {
  const out: string[] = [];
  const walk = (element: SourceElement): void => {
    for (const child of element.children) {
      if (child.kind !== 'element') continue;
      out.push(child.name);
      walk(child);
    }
  };
  walk(parseHtml(html));
  return out;
}

describe('the page renderer', () => {
  test('text bindings show the state as text; a scope is stamped with its revision and state', () => {
    const html = '<na-scope type="User" instance="me"><h2>Hello, <na-bind prop="name">Guest</na-bind></h2><span na-bind="address.city">?</span><na-bind prop="missing">kept</na-bind></na-scope>';
    const out = render(html, { states: { 'User/me': { name: 'Ada', address: { city: 'London' } } } });
    assert.equal(
      out,
      `<na-scope type="User" instance="me" na-rev="7" na-state='{"name":"Ada","address":{"city":"London"}}'><h2>Hello, <na-bind prop="name">Ada</na-bind></h2><span na-bind="address.city">London</span><na-bind prop="missing">kept</na-bind></na-scope>`,
    );
  });

  test('a scope that cannot be read is left as written, unstamped; so is everything outside scopes', () => {
    const html = '<p><na-bind prop="name">outside</na-bind></p><na-scope type="User" instance="other"><na-bind prop="name">Guest</na-bind></na-scope><na-scope type="User"><na-bind prop="name">x</na-bind></na-scope>';
    assert.equal(render(html, { states: { 'User/me': { name: 'Ada' } } }), html);
  });

  test('hostile state is written as text: no element, attribute or reference it holds reaches the page', () => {
    const hostile = `<img src=x onerror="alert(1)"></na-scope><script>alert(2)</script>{{constructor}} "quoted" 'single' &amp; &lt;`;
    const html = '<na-scope type="T" instance="a"><p><na-bind prop="v"></na-bind></p><input na-bind="v"><textarea na-bind="v"></textarea><ul><na-bind prop="items" key="id"><template><li><na-bind prop="title"></na-bind></li></template></na-bind></ul></na-scope>';
    const out = render(html, { states: { 'T/a': { v: hostile, items: [{ id: hostile, title: hostile }] } } });
    // The same elements as the page with harmless state, and the text escaped where it lands.
    const harmless = render(html, { states: { 'T/a': { v: 'x', items: [{ id: 'x', title: 'x' }] } } });
    assert.deepEqual(elements(out), elements(harmless));
    assert.ok(!out.includes('<img'), 'no img tag');
    assert.ok(!out.includes('<script'), 'no script tag');
    assert.ok(out.includes('&lt;img src=x onerror="alert(1)"&gt;&lt;/na-scope&gt;&lt;script&gt;alert(2)&lt;/script&gt;{{constructor}} "quoted" \'single\' &amp;amp; &amp;lt;'));
    assert.ok(out.includes('value="&lt;img src=x onerror=&quot;alert(1)&quot;&gt;'), 'attribute values escape quotes');
  });

  test('controls: text inputs take the value, checkboxes and radios are checked, selects select, textareas keep a leading newline', () => {
    const html = [
      '<na-scope type="F" instance="f">',
      '<na-bind prop="name"><label>Name <input name="name" value="old"></label></na-bind>',
      '<na-bind prop="done"><input type="checkbox" checked></na-bind>',
      '<na-bind prop="tags"><input type="checkbox" value="a"><input type="checkbox" value="b" checked></na-bind>',
      '<na-bind prop="size"><input type="radio" value="s" checked><input type="radio" value="m"></na-bind>',
      '<na-bind prop="colour"><select><option>red</option><option value="g" selected>green</option><option value="b">blue</option></select></na-bind>',
      '<na-bind prop="pets"><select multiple><option value="cat">Cat</option><option value="dog">Dog</option></select></na-bind>',
      '<textarea na-bind="note">old</textarea>',
      '<input type="file" na-bind="name">',
      '</na-scope>',
    ].join('');
    const out = render(html, { states: { 'F/f': { name: 'Ada "L"', done: false, tags: ['a'], size: 'm', colour: 'red', pets: ['dog'], note: '\nline' } } });
    assert.ok(out.includes('<input name="name" value="Ada &quot;L&quot;">'), out);
    assert.ok(out.includes('<na-bind prop="done"><input type="checkbox"></na-bind>'));
    assert.ok(out.includes('<input type="checkbox" value="a" checked><input type="checkbox" value="b"></na-bind>'));
    assert.ok(out.includes('<input type="radio" value="s"><input type="radio" value="m" checked>'));
    assert.ok(out.includes('<option selected>red</option><option value="g">green</option><option value="b">blue</option>'));
    assert.ok(out.includes('<option value="cat">Cat</option><option value="dog" selected>Dog</option>'));
    assert.ok(out.includes('<textarea na-bind="note">\n\nline</textarea>'));
    assert.ok(out.includes('<input type="file" na-bind="name">'), 'a file input is never given a value');
  });

  test('keyed lists: one copy of the template per item after it, each root keyed; items the browser keys by position are left to it', () => {
    const html = '<na-scope type="L" instance="l"><ul><na-bind prop="items" key="id"><template>\n  <li><na-bind prop="title"></na-bind><ol><na-bind prop="parts" key="n"><template><li na-bind="n"></li></template></na-bind></ol></li>\n</template></na-bind></ul></na-scope>';
    const items: JsonObject[] = [
      { id: 1, title: 'one', parts: [{ n: 'x' }] },
      { title: 'no key' },
      { id: 1, title: 'taken key' },
      { id: 'b"2', title: 'two', parts: [] },
    ];
    const out = render(html, { states: { 'L/l': { items } } });
    const afterTemplate = '</ol></li>\n</template>';
    const rendered = out.slice(out.indexOf(afterTemplate) + afterTemplate.length);
    assert.equal(
      rendered,
      '\n  <li na-key="1"><na-bind prop="title">one</na-bind><ol><na-bind prop="parts" key="n"><template><li na-bind="n"></li></template><li na-bind="n" na-key="x">x</li></na-bind></ol></li>\n' +
        '\n  <li na-key="b&quot;2"><na-bind prop="title">two</na-bind><ol><na-bind prop="parts" key="n"><template><li na-bind="n"></li></template></na-bind></ol></li>\n' +
        '</na-bind></ul></na-scope>',
    );
  });

  test('text inside script, style, comments and textarea is never taken for markup', () => {
    const html =
      '<na-scope type="T" instance="a"><script>const s = "<na-bind prop=\\"v\\"></na-bind>";</script><style>/* <na-bind prop="v"> */</style><!-- <na-bind prop="v"></na-bind> --><title><na-bind prop="v"></na-bind></title><p title="a > b" na-bind="v"></p></na-scope>';
    const out = render(html, { states: { 'T/a': { v: 'V' } } });
    assert.equal(out, html.replace('<na-scope type="T" instance="a">', `<na-scope type="T" instance="a" na-rev="7" na-state='{"v":"V"}'>`).replace('na-bind="v"></p>', 'na-bind="v">V</p>'));
  });

  test('a stamp, a key or a control value already in the page is replaced, never left first for the browser to take', () => {
    const html = '<na-scope na-rev="999" type="T" instance="a" na-state="{}"><input na-bind="v" value="stale" value="older"></na-scope>';
    const out = render(html, { states: { 'T/a': { v: 'new' } } });
    assert.equal(out, `<na-scope type="T" instance="a" na-rev="7" na-state='{"v":"new"}'><input na-bind="v" value="new"></na-scope>`);
  });

  test('$error and $errors show a refused form event in the scope it was sent from only', () => {
    const html = '<na-scope type="U" instance="me"><p><na-bind prop="$errors.email"></na-bind></p><p><na-bind prop="$error"></na-bind></p></na-scope><na-scope type="U" instance="you"><na-bind prop="$error">none</na-bind></na-scope>';
    const out = render(html, { states: { 'U/me': {}, 'U/you': {} }, error: { type: 'U', instance: 'me', message: 'Bad <email>', field: 'email' } });
    assert.ok(out.includes('<p><na-bind prop="$errors.email">Bad &lt;email&gt;</na-bind></p><p><na-bind prop="$error">Bad &lt;email&gt;</na-bind></p>'));
    assert.ok(out.includes('<na-bind prop="$error">none</na-bind>'));
  });

  test('without JavaScript: forms post their event, buttons post theirs with their data and item key through one hidden form', () => {
    const html =
      '<html><body><na-scope type="L" instance="l"><form na-submit="add"><input name="title"><button>Add</button></form><form na-submit="own" action="/mine"></form>' +
      '<na-bind prop="items" key="id"><template><div><button type="button" na-click="remove" data-why-not="x" name="n" value="v">x</button><button na-click="keep" form="f"></button></div></template></na-bind></na-scope></body></html>';
    const out = render(html, { states: { 'L/l': { items: [{ id: "a'b" }] } }, forms: true });
    const event = (name: string, payload: JsonObject = {}) => JSON.stringify({ type: 'L', instance: 'l', event: name, payload });
    assert.ok(out.includes(`<form na-submit="add" method="post" action="/nasc/form#${event('add').replace(/"/g, '&quot;')}">`), out);
    assert.ok(out.includes('<form na-submit="own" action="/mine">'), "a form with the page's own action is left alone");
    assert.ok(out.includes(`<button na-click="remove" data-why-not="x" type="submit" form="na-form" name="na-event" value='${event('remove', { whyNot: 'x', id: "a'b" }).replace("'", '&#39;')}'>`), out);
    assert.ok(out.includes('<button na-click="keep" form="f"></button>'));
    assert.ok(out.endsWith('<form id="na-form" method="post" action="/nasc/form?return=/" hidden></form></body></html>'), out);
    // Without a form endpoint (or without state) nothing is rewritten and no hidden form is written.
    assert.ok(!render(html, { states: { 'L/l': { items: [{ id: 'a' }] } } }).includes('na-form'));
  });

  test('the scopes a page shows are listed once each, with the params of the first', () => {
    const template = PageTemplate.compile('<na-scope type="A" instance="1" params=\'{"x":1}\'></na-scope><na-scope type="A" instance="1" params="{&quot;x&quot;:2}"></na-scope><na-scope type="B" instance="2" params="nope"></na-scope>');
    assert.deepEqual(template.scopes, [
      { type: 'A', instance: '1', params: { x: 1 } },
      { type: 'B', instance: '2', params: {} },
    ]);
  });
});
