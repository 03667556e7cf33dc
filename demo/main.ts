import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serve } from '@hono/node-server';
import { serveStatic } from '@hono/node-server/serve-static';
import { Hono } from 'hono';
import { createNasc, defineHandler, NascError } from '../server/index.js';

interface User { name: string; email: string }
interface Todo { id: string; title: string; completed: boolean }
interface TodoList { items: Todo[] }

const User = defineHandler<User>({
  mount: () => ({ name: 'Ada', email: 'ada@example.com' }),
  save_profile: (payload, state) => {
    const email = String(payload.email ?? '');
    if (!email.includes('@')) throw new NascError('Enter a valid email address.', { field: 'email' });
    return { ...state, name: String(payload.name ?? state.name), email };
  },
});
let next = 1;
const TodoList = defineHandler<TodoList>({
  mount: () => ({ items: [] }),
  add_todo: (payload, state) => {
    const title = String(payload.title ?? '').trim();
    if (!title) throw new NascError('A todo needs a title.', { field: 'title' });
    return { items: [...state.items, { id: String(next++), title, completed: false }] };
  },
  toggle_todo: (payload, state) => ({ items: state.items.map((t) => (t.id === payload.id ? { ...t, completed: !t.completed } : t)) }),
  remove_todo: (payload, state) => ({ items: state.items.filter((t) => t.id !== payload.id) }),
});

const nasc = createNasc({ handlers: { User, TodoList } });
const app = new Hono();
app.route('/nasc', nasc.app);
// Compiled to dist/demo/: the static files stay in the source tree.
const publicDir = relative(process.cwd(), fileURLToPath(new URL('../../demo/public/', import.meta.url)));
app.use('/*', serveStatic({ root: publicDir }));
const port = Number(process.env.PORT ?? 3000);
serve({ fetch: app.fetch, port, websocket: nasc.websocket }, (info) => console.log(`Nasc demo on http://localhost:${info.port}/`));
