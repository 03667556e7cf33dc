import { displayText, type JsonValue } from '../../protocol/index.js';
import { pendingEvents } from './pending-marks.js';

type Control = HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement;

/** True for the form controls a binding writes `value`/`checked` into. */
export function isControl(element: Element): element is Control {
  return element instanceof HTMLInputElement || element instanceof HTMLSelectElement || element instanceof HTMLTextAreaElement;
}

/** Shows a value as an element's text; text already shown is left as it is (a server-rendered node stays). */
export function showText(element: Element, value: JsonValue): void {
  const text = displayText(value);
  if (element.textContent !== text) element.textContent = text;
}

function isFocused(element: Element): boolean {
  const root = element.getRootNode() as Document | ShadowRoot;
  return root.activeElement === element;
}

/**
 * Shows a value in a form control: checkbox → checked (an array checks the boxes whose value it holds),
 * radio → checked when equal, select multiple → the listed options, others → value. A focused control whose
 * own events are still in flight is left alone so the caret never jumps; a focused control updated by
 * someone else keeps its selection.
 */
export function applyToControl(control: Control, value: JsonValue): void {
  if (control instanceof HTMLInputElement && control.type === 'checkbox') {
    control.checked = Array.isArray(value) ? value.map(String).includes(control.value) : value === true || value === control.value;
    return;
  }
  if (control instanceof HTMLInputElement && control.type === 'radio') {
    control.checked = value !== null && String(value) === control.value;
    return;
  }
  if (control instanceof HTMLSelectElement && control.multiple) {
    const selected = Array.isArray(value) ? value.map(String) : [];
    for (const option of control.options) option.selected = selected.includes(option.value);
    return;
  }
  const text = value === null ? '' : displayText(value);
  if (control.value === text) return;
  const focused = isFocused(control);
  if (focused && pendingEvents(control) > 0) return;
  if (focused && !(control instanceof HTMLSelectElement)) {
    const { selectionStart, selectionEnd } = control as HTMLInputElement;
    control.value = text;
    if (selectionStart !== null && selectionEnd !== null) {
      try {
        control.setSelectionRange(Math.min(selectionStart, text.length), Math.min(selectionEnd, text.length));
      } catch {
        // Input types without a selection (email, number) throw here.
      }
    }
    return;
  }
  control.value = text;
}
