import type { JsonObject } from '../protocol/index.js';

/**
 * What the typist types, over and over: plain prose with no character JSON must escape, as most typing
 * is. 289 characters, so the text the events carry averages about 145.
 */
const SOURCE =
  'Meeting notes, Tuesday. We agreed to move the launch to the second week of March, after the last ' +
  'round of user tests. Marta owns the release checklist; Tom writes the announcement and checks it ' +
  'with legal before Friday. Open question: do we keep the old export format for one more version?';
const LONGEST = SOURCE.length;

/** The note as the demo's `SharedNote` holds it: its text and how many edits changed it. */
export function noteState(): JsonObject {
  return { text: '', edits: 0 };
}

/** The n-th keystroke's payload: the whole text so far (what `na-input` sends), one character longer each time. */
export function typingPayload(n: number): string {
  return `{"text":"${SOURCE.slice(0, 1 + (n % LONGEST))}"}`;
}

/** The demo's `edit_note`: checks the text, and changes nothing when it is the same. */
export function editNote(payload: JsonObject, state: JsonObject): JsonObject {
  const text = payload.text ?? '';
  if (typeof text !== 'string') throw new TypeError('"text" must be text');
  if (text.length > 2000) throw new RangeError('The note holds at most 2000 characters.');
  if (text === state.text) return state;
  return { text, edits: (state.edits as number) + 1 };
}

/** The bare server's `edit_note`: both props set in place and sent. */
export function editNoteInPlace(payload: JsonObject, state: JsonObject): string[] {
  state.text = payload.text as string;
  state.edits = (state.edits as number) + 1;
  return ['text', 'edits'];
}
