/**
 * The named character references a page's attribute values and option texts are likely to hold. Values are
 * compared with state only for form controls (`value` of checkboxes, radios and options), so a rarer name
 * left undecoded only means the browser's copy is fixed up when the page goes live.
 */
const NAMED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0' };
const REFERENCE = /&(?:#(\d{1,7})|#[xX]([\da-fA-F]{1,6})|(amp|lt|gt|quot|apos|nbsp));?/g;

/** Decodes numeric character references and the common named ones, as a browser reads an attribute value. */
export function decodeCharacterReferences(text: string): string {
  if (!text.includes('&')) return text;
  return text.replace(REFERENCE, (whole, decimal: string | undefined, hex: string | undefined, name: string | undefined) => {
    if (name !== undefined) return NAMED[name]!;
    const code = decimal !== undefined ? Number(decimal) : Number.parseInt(hex!, 16);
    // What the tokenizer does with a reference to nothing usable: U+FFFD.
    return code === 0 || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff) ? '\ufffd' : String.fromCodePoint(code);
  });
}

// Each tested first (most values need no escape at all), then replaced character by character with native
// replaceAll passes: faster than a replacer function or a loop in JavaScript on long values (a stamp's JSON, a
// form's address), by three to four times.
const TEXT_SPECIAL = /[&<>]/;
const DOUBLE_QUOTED_SPECIAL = /[&<>"]/;
const SINGLE_QUOTED_SPECIAL = /[&<>']/;

/**
 * Text as element content: `&`, `<` and `>` escaped, so no state can open a tag, end an element or start a
 * character reference. Never used inside `script` or `style`, whose content the renderer never writes.
 */
export function escapeText(text: string): string {
  return TEXT_SPECIAL.test(text) ? escapeMarkup(text) : text;
}

/** Text as a double-quoted attribute value: `&`, `<`, `>` and `"` escaped. */
export function escapeAttribute(text: string): string {
  return DOUBLE_QUOTED_SPECIAL.test(text) ? escapeMarkup(text).replaceAll('"', '&quot;') : text;
}

/**
 * Text as a single-quoted attribute value: `&`, `<`, `>` and `'` escaped. For JSON, whose every string is
 * double-quoted: a stamp's state is written with a few escapes instead of one per quote.
 */
export function escapeSingleQuoted(text: string): string {
  return SINGLE_QUOTED_SPECIAL.test(text) ? escapeMarkup(text).replaceAll("'", '&#39;') : text;
}

function escapeMarkup(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}

/** An `<option>`'s text as its value: references decoded, whitespace stripped and collapsed. */
export function optionText(raw: string): string {
  return decodeCharacterReferences(raw).replace(/[\t\n\f\r ]+/g, ' ').trim();
}
