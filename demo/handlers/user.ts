import { defineHandler, NascError } from 'nasc/server';
import { textField } from './text-field.js';

/** The profile card's state. */
export interface User {
  name: string;
  email: string;
}

const MAX_NAME = 80;
// Deliberately loose: one @, something before it, a dot after it, no spaces. Real checks send an email.
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** `User`: a name and an email; `save_profile` validates both on the server. */
export const User = defineHandler<User>({
  mount: () => ({ name: 'Ada Lovelace', email: 'ada@example.com' }),

  save_profile(payload) {
    const name = textField(payload, 'name');
    const email = textField(payload, 'email');
    if (!name) throw new NascError('Enter a name.', { field: 'name' });
    if (name.length > MAX_NAME) throw new NascError(`Keep the name under ${MAX_NAME} characters.`, { field: 'name' });
    if (email.length > 254 || !EMAIL.test(email)) {
      throw new NascError('Enter a valid email address, like ada@example.com.', { field: 'email' });
    }
    return { name, email };
  },
});
