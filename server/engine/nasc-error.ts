import type { JsonObject } from '../../protocol/index.js';

/**
 * An error whose message is meant for the user. Thrown from a handler, its message (and `field`) reach the
 * client in the `error` patch; any other thrown value is reported as a generic failure and only logged.
 *
 * @example
 * if (!email.includes('@')) throw new NascError('Enter a valid email address.', { field: 'email' });
 */
export class NascError extends Error {
  /** The form field the message is about, so the page can show it next to that field. */
  readonly field?: string;
  /** A stable machine-readable code. */
  readonly code: string;
  /** Extra JSON details passed through to the client. */
  readonly details?: JsonObject;

  constructor(message: string, options: { field?: string; code?: string; details?: JsonObject } = {}) {
    super(message);
    this.name = 'NascError';
    this.code = options.code ?? 'rejected';
    if (options.field !== undefined) this.field = options.field;
    if (options.details !== undefined) this.details = options.details;
  }
}
