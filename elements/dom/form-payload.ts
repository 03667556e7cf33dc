import type { JsonObject, JsonValue } from '../../protocol/index.js';

type Control = HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement;

const SKIPPED_INPUTS = new Set(['submit', 'button', 'reset', 'image', 'file']);

/** A control's value with its type: number inputs → number (or null), select multiple → array. */
export function controlValue(control: Control): JsonValue {
  if (control instanceof HTMLSelectElement && control.multiple) {
    return [...control.selectedOptions].map((option) => option.value);
  }
  if (control instanceof HTMLInputElement) {
    if (control.type === 'checkbox') return control.checked;
    if (control.type === 'number' || control.type === 'range') {
      return control.value === '' || Number.isNaN(control.valueAsNumber) ? null : control.valueAsNumber;
    }
  }
  return control.value;
}

/**
 * A form's fields as a JSON payload with types: a lone checkbox → boolean, checkboxes sharing a name →
 * array of the checked values, radios → the checked value (or null), number/range → number, select multiple
 * → array, everything else → string. Disabled and nameless controls are left out, as the browser would.
 */
export function formPayload(form: HTMLFormElement, submitter?: Element | null): JsonObject {
  const payload: JsonObject = {};
  const controls = [...form.elements].filter(
    (element): element is Control =>
      (element instanceof HTMLInputElement || element instanceof HTMLSelectElement || element instanceof HTMLTextAreaElement) &&
      element.name !== '' &&
      !element.disabled,
  );
  const checkboxCount = new Map<string, number>();
  for (const control of controls) {
    if (control instanceof HTMLInputElement && control.type === 'checkbox') {
      checkboxCount.set(control.name, (checkboxCount.get(control.name) ?? 0) + 1);
    }
  }
  for (const control of controls) {
    const { name } = control;
    if (control instanceof HTMLInputElement) {
      if (SKIPPED_INPUTS.has(control.type)) continue;
      if (control.type === 'radio') {
        if (control.checked) payload[name] = control.value;
        else if (!Object.hasOwn(payload, name)) payload[name] = null;
        continue;
      }
      if (control.type === 'checkbox' && (checkboxCount.get(name) ?? 0) > 1) {
        const list = Array.isArray(payload[name]) ? (payload[name] as JsonValue[]) : (payload[name] = []) as JsonValue[];
        if (control.checked) list.push(control.value);
        continue;
      }
    }
    payload[name] = controlValue(control);
  }
  if (
    (submitter instanceof HTMLButtonElement || submitter instanceof HTMLInputElement) &&
    submitter.name !== '' &&
    !Object.hasOwn(payload, submitter.name)
  ) {
    payload[submitter.name] = submitter.value;
  }
  return payload;
}
