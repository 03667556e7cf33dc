import { Ajv2020, type ErrorObject } from 'ajv/dist/2020.js';
import addFormatsPlugin from 'ajv-formats';
import type { JsonObject } from '../../protocol/index.js';
import type { PayloadIssue, PayloadValidator } from '../engine/payload-validation.js';
import type { PayloadSchema } from '../engine/payload-schema.js';

/** `ajv-formats`' default export, as its CommonJS build is seen from an ES module. */
const addFormats = addFormatsPlugin as unknown as (ajv: Ajv2020) => Ajv2020;

/**
 * The default payload validator: Ajv for JSON Schema draft 2020-12, with the standard formats (`email`, `uri`, `date-time`…) and every error collected, so a form learns about each of
 * its fields at once. Schemas are compiled once, when the engine starts; strict mode refuses a schema with an
 * unknown keyword there rather than letting it pass everything. A property's own `errorMessage` (a string)
 * is the message its refusal shows, for schemas written for people.
 *
 * @example
 * createNasc({ handlers, payloadValidator: ajvPayloadValidator() }); // what createNasc uses by default
 */
export function ajvPayloadValidator(): PayloadValidator {
  // Made with the first schema: an app that declares none pays nothing for it.
  let ajv: Ajv2020 | undefined;
  return {
    compile(schema: PayloadSchema, where: { type: string; event: string }) {
      ajv ??= addFormats(new Ajv2020({ allErrors: true, strict: true, keywords: ['errorMessage'] }));
      let validate;
      try {
        validate = ajv.compile(schema);
      } catch (error) {
        throw new Error(`The payload schema of event "${where.event}" of type "${where.type}" is not valid: ${error instanceof Error ? error.message : String(error)}`);
      }
      return (payload: JsonObject): readonly PayloadIssue[] | undefined => (validate(payload) ? undefined : (validate.errors ?? []).map((error) => issueOf(error, schema)));
    },
  };
}

/** One Ajv error as a field and a message for people. */
function issueOf(error: ErrorObject, schema: PayloadSchema): PayloadIssue {
  const path = error.instancePath.split('/').slice(1).map((segment) => segment.replace(/~1/g, '/').replace(/~0/g, '~'));
  // A missing property is the property's own fault, not its parent's.
  if (error.keyword === 'required' && typeof error.params.missingProperty === 'string') path.push(error.params.missingProperty);
  const field = path.length > 0 ? path.join('.') : undefined;
  const own = field === undefined ? undefined : errorMessageOf(schema, path);
  const message = own ?? `${field === undefined ? 'The payload' : `"${field}"`} ${error.message ?? 'is not valid'}.`;
  return field === undefined ? { message } : { field, message };
}

/** The `errorMessage` a schema gives the property at `path`, if any. */
function errorMessageOf(schema: PayloadSchema, path: readonly string[]): string | undefined {
  let node: unknown = schema;
  for (const segment of path) {
    const properties = (node as { properties?: Record<string, unknown> } | undefined)?.properties;
    node = properties?.[segment] ?? (node as { items?: unknown } | undefined)?.items;
    if (node === undefined) return undefined;
  }
  const message = (node as { errorMessage?: unknown }).errorMessage;
  return typeof message === 'string' ? message : undefined;
}
