import type { Hono } from 'hono';
import type { NascEngine } from '../engine/engine.js';
import { refusal } from '../endpoints/refusal.js';
import { writeRefusal } from './answer.js';

/** `GET /schema`, `GET /schema/:type` and `GET /manifest`: what the app's types look like and accept. */
export function addSchemaRoutes(app: Hono, engine: NascEngine): void {
  app.get('/schema', (c) => c.json({ types: engine.schemas.types }));
  app.get('/schema/:type', (c) => {
    const type = c.req.param('type');
    const schema = engine.schemas.standalone(type);
    if (!schema) return writeRefusal(c, refusal(404, 'unknown_type', `No schema for type "${type.slice(0, 200)}".`));
    return c.json(schema);
  });
  app.get('/manifest', (c) => c.json(engine.manifest()));
}
