import { isWireId, parseJsonGuarded, ReservedEvent, type JsonObject } from '../../protocol/index.js';
import { jsonString } from '../engine/patch-json.js';
import type { FormError, FormEvent } from '../render/render-context.js';
import type { OriginPolicy } from '../security/origin-check.js';

// What a page rendered by the server and a form posted from it without JavaScript agree on, written once: the
// address a form posts to (`<mount>/form?type&instance&event&eventId&return&payload`), the value a button
// posts through the page's hidden form (`na-event`: the same target as JSON, the address holding only
// `return`), and the flash the answer leaves for the page it redirects to.

/** A form's target, read back from the address it posted to. */
export interface FormTarget extends FormEvent {
  readonly eventId: string;
  /** Where to send the browser back: a path of this server, or a page on an allowed origin. */
  readonly returnTo: string;
}

/** The longest `return` accepted (a page's path and query). */
const MAX_RETURN_CHARS = 2_048;
/** A path of this server: printable ASCII without spaces or backslashes, not `//` (another host). */
const OWN_PATH = /^\/(?![/\\])[!-[\]-~]*$/;
/** Longest message a flash carries: the rest is cut (a cookie holds a few KB). */
const MAX_FLASH_MESSAGE = 500;

/** The address a rendered form posts `event` to, with a fresh event id so a repeated submission applies once. */
export function formAddress(base: string, event: FormEvent, eventId: string, returnTo: string): string {
  // Written with encodeURIComponent (URLSearchParams took most of a render's time); read back with
  // URLSearchParams, which decodes it the same.
  const query = `type=${encode(event.type)}&instance=${encode(event.instance)}&event=${encode(event.event)}&eventId=${encode(eventId)}&return=${encode(returnTo)}`;
  for (const _key in event.payload) return `${base}/form?${query}&payload=${encode(JSON.stringify(event.payload))}`;
  return `${base}/form?${query}`;
}

/** The address of a page's hidden form, which its buttons submit: only where to come back to. */
export function buttonsAddress(base: string, returnTo: string): string {
  return `${base}/form?return=${encode(returnTo)}`;
}

/** The field a button posts its event in (its name), the event as JSON (its value). */
export const BUTTON_FIELD = 'na-event';

/**
 * Each payload's JSON, made once: the buttons of one list item share their item's payload object, and a
 * page has a few buttons per item.
 */
const payloadJson = new WeakMap<JsonObject, string>();

/** A rendered button's value: its event, with a fresh event id, as JSON. */
export function buttonValue(event: FormEvent, eventId: string): string {
  let payload = payloadJson.get(event.payload);
  if (payload === undefined) payloadJson.set(event.payload, (payload = JSON.stringify(event.payload)));
  // Written field by field: this runs for every button of every render, and one JSON.stringify of a new object
  // costs several times these few string writes.
  return `{"type":${jsonString(event.type)},"instance":${jsonString(event.instance)},"event":${jsonString(event.event)},"eventId":${jsonString(eventId)},"payload":${payload}}`;
}

const encode = encodeURIComponent;

/**
 * Reads a post's target, or says what is wrong with it: from a button's `na-event` field when it has one,
 * else from the address's query; where to come back to from the query either way.
 */
export function readFormTarget(query: (name: string) => string | undefined, button: string | undefined, ownOrigin: () => string, origins: OriginPolicy): FormTarget | string {
  const posted = button === undefined ? undefined : jsonObject(button);
  if (posted === null) return `"${BUTTON_FIELD}" must be a JSON object.`;
  const field = (name: string): string | undefined => (posted ? (typeof posted[name] === 'string' ? (posted[name] as string) : undefined) : query(name));
  const type = field('type');
  const instance = field('instance');
  const event = field('event');
  const eventId = field('eventId');
  if (!isWireId(type) || !isWireId(instance) || !isWireId(event) || !isWireId(eventId)) return 'type, instance, event and eventId must be ids.';
  if (event === ReservedEvent.Mount || event === ReservedEvent.Unmount) return `"${event}" cannot be posted from a form.`;
  const returnTo = query('return') ?? '';
  if (!isReturnAddress(returnTo, ownOrigin, origins)) return '"return" must be a path of this server or a page on an allowed origin.';
  const payloadText = posted ? undefined : query('payload');
  const payload = posted ? posted.payload ?? {} : payloadText === undefined ? {} : jsonObject(payloadText);
  if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) return '"payload" must be a JSON object.';
  return { type, instance, event, eventId, returnTo, payload };
}

/** A JSON object without prototype keys, or `null`. */
function jsonObject(text: string): JsonObject | null {
  try {
    const { value, prototypeKey } = parseJsonGuarded(text);
    return prototypeKey === undefined && value !== null && typeof value === 'object' && !Array.isArray(value) ? value : null;
  } catch {
    return null;
  }
}

/**
 * Whether the browser may be sent back to `address`: a path of this server, or an absolute page address on
 * the server's own origin or an allowed one. Nothing else, so the endpoint redirects nowhere a page did not
 * come from.
 */
function isReturnAddress(address: string, ownOrigin: () => string, origins: OriginPolicy): boolean {
  if (address.length > MAX_RETURN_CHARS) return false;
  if (address.startsWith('/')) return OWN_PATH.test(address);
  if (!URL.canParse(address)) return false;
  const url = new URL(address);
  return (url.protocol === 'https:' || url.protocol === 'http:') && url.href === address && (url.origin === ownOrigin() || origins.allowed.has(url.origin));
}

/** A refused form event as the flash carries it to the page. */
export function flashText(error: FormError): string {
  const message = error.message.length > MAX_FLASH_MESSAGE ? `${error.message.slice(0, MAX_FLASH_MESSAGE - 1)}…` : error.message;
  return JSON.stringify({ type: error.type, instance: error.instance, message, ...(error.field === undefined ? {} : { field: error.field }) });
}

/** A flash's error, when its text is one (it was signed by this server for this session, so it is). */
export function flashError(text: string | undefined): FormError | undefined {
  if (text === undefined) return undefined;
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value !== 'object' || value === null) return undefined;
    const { type, instance, message, field } = value as Record<string, unknown>;
    if (typeof type !== 'string' || typeof instance !== 'string' || typeof message !== 'string') return undefined;
    return { type, instance, message, ...(typeof field === 'string' ? { field } : {}) };
  } catch {
    return undefined;
  }
}
