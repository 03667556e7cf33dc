/**
 * The browser bundle's entry (`/nasc/nasc.js`): everything in `index.ts`, with the server found next to the
 * script itself, so `<script type="module" src="/nasc/nasc.js">` needs no configuration.
 */
import { setDefaultBase } from './connection/transport-choice.js';

setDefaultBase(new URL('./', import.meta.url));

export * from './index.js';
