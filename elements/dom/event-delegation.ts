import type { JsonObject } from '../../protocol/index.js';
import type { EventResult } from '../connection/page-connection.js';
import { ownerScope } from '../scope/owner-scope.js';
import type { Scope } from '../scope/scope.js';
import { controlValue, formPayload } from './form-payload.js';

/** Default `throttle` of `na-input`, in ms. */
export const DEFAULT_INPUT_THROTTLE_MS = 50;

/** Events already handled by an inner scope, so outer scopes leave them alone. */
const handled = new WeakSet<Event>();

interface ThrottleState {
  timer?: ReturnType<typeof setTimeout>;
  last: number;
}
const throttles = new WeakMap<Element, ThrottleState>();

function dataPayload(element: Element): JsonObject {
  return element instanceof HTMLElement ? { ...element.dataset } as JsonObject : {};
}

/** Re-shows bound values around `element` once its event settled (a checkbox the server did not flip). */
function refreshBindings(element: Element): void {
  const bind = element.closest('na-bind') as (Element & { refresh?: () => void }) | null;
  bind?.refresh?.();
}

/**
 * Wires `na-submit`, `na-click` and `na-input` for one scope element. Listens on the scope itself and reads
 * the composed path, so events from inside other components' shadow roots arrive too. A `submit` does not
 * cross shadow roots, so a submit button clicked inside one is handled from its `click`.
 */
export function delegateEvents(host: HTMLElement & Scope): () => void {
  const onSubmit = (event: SubmitEvent): void => {
    const form = event.target;
    if (handled.has(event) || !(form instanceof HTMLFormElement) || !form.hasAttribute('na-submit')) return;
    handled.add(event);
    event.preventDefault();
    submit(form, event.submitter, host);
  };

  const onClick = (event: MouseEvent): void => {
    if (handled.has(event)) return;
    const path = event.composedPath();
    const end = path.indexOf(host);
    for (let i = 0; i < end; i++) {
      const element = path[i];
      if (!(element instanceof Element)) continue;
      const shadowed = element.getRootNode() !== host.getRootNode();
      if (shadowed && isSubmitButton(element)) {
        const form = (element as HTMLButtonElement | HTMLInputElement).form;
        if (form?.hasAttribute('na-submit')) {
          handled.add(event);
          event.preventDefault();
          if (form.reportValidity()) submit(form, element, host);
          return;
        }
      }
      const name = element.getAttribute('na-click');
      if (name === null) continue;
      handled.add(event);
      if (element instanceof HTMLAnchorElement || isSubmitButton(element)) event.preventDefault();
      const scope = ownerScope(element) ?? host;
      void scope.send(name, dataPayload(element), element).then(() => refreshBindings(element));
      return;
    }
  };

  const onInput = (event: Event): void => {
    if (handled.has(event)) return;
    const path = event.composedPath();
    const control = path[0];
    if (!(control instanceof HTMLInputElement || control instanceof HTMLSelectElement || control instanceof HTMLTextAreaElement)) return;
    const name = control.getAttribute('na-input');
    if (name === null) return;
    handled.add(event);
    const scope = ownerScope(control) ?? host;
    throttle(control, () => {
      const payload = dataPayload(control);
      payload[control.name || 'value'] = controlValue(control);
      return scope.send(name, payload, control);
    });
  };

  host.addEventListener('submit', onSubmit);
  host.addEventListener('click', onClick);
  host.addEventListener('input', onInput);
  return () => {
    host.removeEventListener('submit', onSubmit);
    host.removeEventListener('click', onClick);
    host.removeEventListener('input', onInput);
  };
}

function isSubmitButton(element: Element): boolean {
  return (
    (element instanceof HTMLButtonElement && element.type === 'submit') ||
    (element instanceof HTMLInputElement && (element.type === 'submit' || element.type === 'image'))
  );
}

function submit(form: HTMLFormElement, submitter: Element | null | undefined, host: Scope): void {
  const name = form.getAttribute('na-submit')!;
  const scope = ownerScope(form) ?? host;
  void scope.send(name, formPayload(form, submitter), form).then((result: EventResult) => {
    if (result.ok && form.hasAttribute('na-reset')) form.reset();
  });
}

/** Sends at once, then at most once per `throttle` ms with the latest value (leading and trailing edge). */
function throttle(control: Element, send: () => Promise<EventResult>): void {
  const attribute = Number(control.getAttribute('throttle'));
  const interval = Number.isFinite(attribute) && attribute >= 0 && control.hasAttribute('throttle') ? attribute : DEFAULT_INPUT_THROTTLE_MS;
  let state = throttles.get(control);
  if (!state) throttles.set(control, (state = { last: -Infinity }));
  const wait = state.last + interval - performance.now();
  if (wait <= 0 && !state.timer) {
    state.last = performance.now();
    void send();
    return;
  }
  if (state.timer) return;
  const current = state;
  current.timer = setTimeout(() => {
    current.timer = undefined;
    current.last = performance.now();
    void send();
  }, Math.max(0, wait));
}
