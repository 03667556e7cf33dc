import type { JsonObject, JsonValue } from '../../protocol/index.js';

/** An application schema: a JSON Schema whose `$defs` hold one schema per type. */
export interface AppSchema {
  $defs?: Record<string, JsonObject>;
  [keyword: string]: JsonValue | Record<string, JsonObject> | undefined;
}

const LOCAL_REF = /^#\/\$defs\/(.+)$/;

function decodePointerToken(token: string): string {
  // [RFC 6901] "~1" is "/" and "~0" is "~"; decode ~1 first.
  return decodeURIComponent(token).replace(/~1/g, '/').replace(/~0/g, '~');
}

function collectRefs(value: JsonValue | undefined, into: Set<string>): void {
  if (Array.isArray(value)) {
    for (const item of value) collectRefs(item, into);
  } else if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      if (key === '$ref' && typeof item === 'string') {
        const match = LOCAL_REF.exec(item);
        if (match) into.add(decodePointerToken(match[1]!));
      } else {
        collectRefs(item, into);
      }
    }
  }
}

/**
 * The schemas of an app, indexed once: for each type, the types it references through `$ref` (any depth,
 * each once, cycles included) in a stable order.
 */
export class SchemaRegistry {
  readonly #defs: ReadonlyMap<string, JsonObject>;
  readonly #closures = new Map<string, readonly string[]>();

  constructor(schema: AppSchema | undefined) {
    this.#defs = new Map(Object.entries(schema?.$defs ?? {}));
  }

  /** Every type that has a schema. */
  get types(): string[] {
    return [...this.#defs.keys()];
  }

  /** The raw `$defs` entry for a type. */
  get(type: string): JsonObject | undefined {
    return this.#defs.get(type);
  }

  /** `type` first, then every type reachable from it through `$ref`, each once. */
  closure(type: string): readonly string[] {
    let cached = this.#closures.get(type);
    if (cached) return cached;
    const seen: string[] = [];
    const visit = (name: string): void => {
      if (seen.includes(name) || !this.#defs.has(name)) return;
      seen.push(name);
      const refs = new Set<string>();
      collectRefs(this.#defs.get(name), refs);
      for (const ref of refs) visit(ref);
    };
    visit(type);
    cached = Object.freeze(seen);
    this.#closures.set(type, cached);
    return cached;
  }

  /** A self-contained JSON Schema for one type: its definition plus the `$defs` it references. */
  standalone(type: string): JsonObject | undefined {
    const root = this.#defs.get(type);
    if (!root) return undefined;
    const defs: JsonObject = {};
    for (const name of this.closure(type)) defs[name] = this.#defs.get(name)!;
    return { ...root, $defs: defs };
  }
}
