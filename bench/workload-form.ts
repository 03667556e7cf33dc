import type { JsonObject } from '../protocol/index.js';

/** The leaves the form's events change, in turn: two to four levels deep, under three top-level props. */
const FIELDS = [
  'profile.name.first',
  'profile.contact.email',
  'profile.contact.address.city',
  'profile.contact.address.postcode',
  'profile.preferences.notifications.frequency',
  'billing.card.holder',
  'billing.card.expiry.month',
  'shipping.address.street',
] as const;

/** A sign-up form's state: nested objects several levels deep, as a form library would keep them. */
export function formState(): JsonObject {
  return {
    step: 2,
    profile: {
      name: { first: 'Ada', last: 'Lovelace' },
      contact: {
        email: 'ada@example.com',
        phone: '+44 20 7946 0958',
        address: { street: '12 St James Square', city: 'London', postcode: 'SW1Y 4JH', country: 'GB' },
      },
      preferences: { language: 'en-GB', newsletter: true, notifications: { email: true, sms: false, frequency: 'weekly' } },
    },
    billing: {
      sameAsShipping: false,
      card: { holder: 'A. Lovelace', last4: '4242', expiry: { month: '09', year: '2029' } },
    },
    shipping: { method: 'standard', address: { street: '12 St James Square', city: 'London', postcode: 'SW1Y 4JH', country: 'GB' } },
    errors: {},
  };
}

/** The n-th event's payload: one leaf and its new value, `{ "field": "profile.contact.email", "value": … }`. */
export function fieldPayload(n: number): string {
  return `{"field":"${FIELDS[n % FIELDS.length]}","value":"edit ${n}"}`;
}

/** The object holding a dotted path's leaf, and the leaf's name; undefined when a level is missing. */
function leafHolder(state: JsonObject, field: unknown): { holder: JsonObject; leaf: string } | undefined {
  if (typeof field !== 'string') return undefined;
  const path = field.split('.');
  let holder: JsonObject = state;
  for (let i = 0; i < path.length - 1; i++) {
    const next = holder[path[i]!];
    if (typeof next !== 'object' || next === null || Array.isArray(next)) return undefined;
    holder = next;
  }
  return { holder, leaf: path.at(-1)! };
}

/**
 * `set_field` as a handler declared with `immutableState` writes it: the objects on the leaf's path are copied
 * with the leaf changed, everything beside them kept as it is.
 */
export function setField(payload: JsonObject, state: JsonObject): JsonObject {
  if (typeof payload.field !== 'string' || typeof payload.value !== 'string' || !leafHolder(state, payload.field)) return state;
  return withLeaf(state, payload.field.split('.'), 0, payload.value);
}

function withLeaf(object: JsonObject, path: string[], depth: number, value: string): JsonObject {
  const key = path[depth]!;
  return { ...object, [key]: depth === path.length - 1 ? value : withLeaf(object[key] as JsonObject, path, depth + 1, value) };
}

/** The bare server's `set_field`: the leaf set in place; its top-level prop is sent whole, as Nasc sends it. */
export function setFieldInPlace(payload: JsonObject, state: JsonObject): string[] {
  const found = leafHolder(state, payload.field);
  if (!found) return [];
  found.holder[found.leaf] = payload.value as string;
  return [(payload.field as string).slice(0, (payload.field as string).indexOf('.'))];
}
