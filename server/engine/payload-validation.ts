import type { JsonObject } from '../../protocol/index.js';
import { NascError } from './nasc-error.js';
import type { PayloadSchema } from './payload-schema.js';

/** One way a payload fails its schema: the property at fault (a dotted path, absent for the whole payload). */
export interface PayloadIssue {
  field?: string;
  message: string;
}

/**
 * Compiles payload schemas into checks. Each schema is compiled once, when the engine starts; its check runs
 * once per event, before the handler, and answers the issues it found (none: `undefined` or an empty list).
 */
export interface PayloadValidator {
  compile(schema: PayloadSchema, where: { type: string; event: string }): (payload: JsonObject) => readonly PayloadIssue[] | undefined;
}

/** A compiled check: the refusal to answer, or undefined when the payload passes. */
export type PayloadCheck = (payload: JsonObject) => NascError | undefined;

/** The refusal of a payload: what a handler's `NascError` about the first field at fault would say. */
export function invalidPayload(issues: readonly PayloadIssue[]): NascError {
  const [first] = issues;
  const errors = issues.map(({ field, message }): JsonObject => (field === undefined ? { message } : { field, message }));
  return new NascError(first?.message ?? 'The payload does not match its schema.', {
    code: 'invalid_payload',
    ...(first?.field === undefined ? {} : { field: first.field }),
    details: { errors },
  });
}

/**
 * The checks of one type's events that declare a payload schema, compiled with `validator`. Without a
 * validator a declared schema is an error at start, never a schema silently not enforced.
 */
export function compilePayloadChecks(type: string, schemas: ReadonlyMap<string, PayloadSchema>, validator: PayloadValidator | undefined): Map<string, PayloadCheck> {
  const checks = new Map<string, PayloadCheck>();
  for (const [event, schema] of schemas) {
    if (!validator) {
      throw new Error(`Event "${event}" of type "${type}" declares a payload schema, but no payload validator is configured (the payloadValidator option).`);
    }
    const validate = validator.compile(schema, { type, event });
    checks.set(event, (payload) => {
      const issues = validate(payload);
      return issues && issues.length > 0 ? invalidPayload(issues) : undefined;
    });
  }
  return checks;
}
