import type { AppSchema } from 'nasc/server';

/**
 * The JSON Schemas of the demo's types, one per `$defs` entry. The server sends each scope the schemas it
 * uses (so the dev bundle can check bindings against them), and serves them at `/nasc/schema/:type`.
 */
export const schemas: AppSchema = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  $defs: {
    User: {
      type: 'object',
      properties: {
        name: { type: 'string', minLength: 1, maxLength: 80 },
        email: { type: 'string', format: 'email', maxLength: 254 },
      },
      required: ['name', 'email'],
      additionalProperties: false,
    },
    Todo: {
      type: 'object',
      properties: {
        id: { type: 'string' },
        title: { type: 'string', minLength: 1, maxLength: 120 },
        completed: { type: 'boolean' },
      },
      required: ['id', 'title', 'completed'],
      additionalProperties: false,
    },
    TodoList: {
      type: 'object',
      properties: {
        items: { type: 'array', items: { $ref: '#/$defs/Todo' }, maxItems: 50 },
        remaining: { type: 'integer', minimum: 0, description: 'How many items are not completed yet.' },
      },
      required: ['items', 'remaining'],
      additionalProperties: false,
    },
    SharedNote: {
      type: 'object',
      properties: {
        text: { type: 'string', maxLength: 2000 },
        edits: { type: 'integer', minimum: 0, description: 'How many edits changed the text.' },
      },
      required: ['text', 'edits'],
      additionalProperties: false,
    },
    Presence: {
      type: 'object',
      properties: {
        online: { type: 'integer', minimum: 0, description: 'Browser tabs with a stream open to this server.' },
      },
      required: ['online'],
      additionalProperties: false,
    },
  },
};
