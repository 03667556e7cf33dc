import { PageTemplate } from '../render/page-template.js';
import { GenerationalMap } from '../util/generational-map.js';

/** Pages of the same fingerprint kept at once (pages of one length whose ends and middle are the same). */
const PER_FINGERPRINT = 4;

/**
 * Pages compiled once, found again by their text. Not a map keyed by the whole text: each response's HTML is
 * a new string, and hashing a 10 KB one took longer than filling the page. A few slices and the length find
 * the candidates; comparing the text itself (a memory compare) decides.
 */
export class CompiledPages {
  readonly #pages: GenerationalMap<string, PageTemplate[]>;

  /** `limit`: how many fingerprints stay (the least recently used go first, in bulk). */
  constructor(limit: number) {
    this.#pages = new GenerationalMap(limit);
  }

  /** `html` compiled: the one compiled before for the same text, or now. */
  get(html: string): PageTemplate {
    const key = fingerprint(html);
    const candidates = this.#pages.get(key);
    const known = candidates?.find((template) => template.source === html);
    if (known) return known;
    const compiled = PageTemplate.compile(html);
    this.#pages.set(key, [compiled, ...(candidates ?? []).slice(0, PER_FINGERPRINT - 1)]);
    return compiled;
  }
}

function fingerprint(html: string): string {
  const middle = html.length >> 1;
  return `${html.length}\u0000${html.slice(0, 48)}\u0000${html.slice(middle - 24, middle + 24)}\u0000${html.slice(-48)}`;
}
