import type { JsonObject, JsonValue } from '../../protocol/index.js';

/** The JSON types a schema's `type` names. */
export type JsonSchemaType = 'string' | 'number' | 'integer' | 'boolean' | 'null' | 'array' | 'object';

/**
 * A JSON Schema (draft 2020-12), with the keywords the payload types are read from spelled out; any other
 * keyword (`minLength`, `pattern`, `format`, `minimum`, `errorMessage`…) is allowed and only validated.
 */
export interface JsonSchema {
  readonly type?: JsonSchemaType | readonly JsonSchemaType[];
  readonly properties?: { readonly [name: string]: JsonSchema };
  readonly required?: readonly string[];
  readonly items?: JsonSchema;
  readonly enum?: readonly JsonValue[];
  readonly const?: JsonValue;
  readonly anyOf?: readonly JsonSchema[];
  readonly oneOf?: readonly JsonSchema[];
  readonly additionalProperties?: boolean | JsonSchema;
  readonly [keyword: string]: unknown;
}

/** A payload's schema: payloads are JSON objects, so it describes one. */
export interface PayloadSchema extends JsonSchema {
  readonly type: 'object';
}

type RequiredNames<S> = S extends { readonly required: readonly (infer Name)[] } ? Name : never;

/** Spreads an intersection into one object type, so editors show `{ by: number }`, not `A & B`. */
type Flat<T> = { [K in keyof T]: T[K] };

type ObjectOf<S> = S extends { readonly properties: infer P }
  ? Flat<
      { -readonly [K in keyof P & string as K extends RequiredNames<S> ? K : never]: FromSchema<P[K]> } & {
        -readonly [K in keyof P & string as K extends RequiredNames<S> ? never : K]?: FromSchema<P[K]>;
      }
    >
  : JsonObject;

type FromType<S, T> = T extends 'object'
  ? ObjectOf<S>
  : T extends 'array'
    ? S extends { readonly items: infer I }
      ? FromSchema<I>[]
      : JsonValue[]
    : T extends 'string'
      ? string
      : T extends 'number' | 'integer'
        ? number
        : T extends 'boolean'
          ? boolean
          : T extends 'null'
            ? null
            : never;

/**
 * The TypeScript type of the values a JSON Schema accepts, read from it at compile time (as
 * `json-schema-to-ts` does, for the keywords that shape a type): `type` (one or a list), `properties` with
 * `required` (the others optional), `items`, `enum`, `const`, `anyOf`, `oneOf`. A schema without them is
 * `JsonValue`. Other keywords narrow values, not types (`minLength`, `format`…): the validator checks them.
 *
 * @example
 * type Add = FromSchema<{ type: 'object'; properties: { by: { type: 'integer' } }; required: ['by'] }>; // { by: number }
 */
export type FromSchema<S> = S extends { readonly const: infer C }
  ? C
  : S extends { readonly enum: readonly (infer E)[] }
    ? E
    : S extends { readonly anyOf: readonly (infer A)[] }
      ? FromSchema<A>
      : S extends { readonly oneOf: readonly (infer A)[] }
        ? FromSchema<A>
        : S extends { readonly type: infer T }
          ? T extends readonly (infer U)[]
            ? FromType<S, U>
            : FromType<S, T>
          : JsonValue;
