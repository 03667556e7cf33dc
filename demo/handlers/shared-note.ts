import { defineHandler, NascError } from 'nasc/server';
import { textField } from './text-field.js';

/** The shared note: its text and how many edits changed it. */
export interface SharedNote {
  text: string;
  edits: number;
}

export const MAX_NOTE = 2000;

/**
 * `SharedNote`: one text every window edits. The page sends `edit_note` as the user types (`na-input`,
 * throttled), which is the traffic WebSocket is made for: many small messages up, each one fanned out.
 */
export const SharedNote = defineHandler<SharedNote>({
  mount: () => ({ text: 'Type here, and watch the other window.', edits: 0 }),

  edit_note(payload, state) {
    const text = textField(payload, 'text', { trim: false });
    if (text.length > MAX_NOTE) throw new NascError(`The note holds at most ${MAX_NOTE} characters.`, { field: 'text' });
    if (text === state.text) return state;
    return { text, edits: state.edits + 1 };
  },
});
