/**
 * JSON text for the differential fuzzer, in two forms:
 *   - canonical: what a signature covers (docker/go canonical/json, the form
 *     the trust-factory's canonicalJson writes; the builder checks the two agree);
 *   - served: the bytes on the wire, which may differ from the canonical form
 *     in every way that does not change the parsed value for a conforming
 *     parser (whitespace, key order, \u escapes, duplicate keys, number
 *     spellings) — exactly where two parsers can disagree.
 *
 * A few values cannot be plain JS values: a number with another spelling, an
 * array nested too deep for a recursive writer, a string holding an invalid
 * UTF-8 byte. They are the small classes below.
 */

/** A number served as `served` (e.g. `1.0`, `1e0`) whose canonical form is the integer `value`. */
export class SpelledNumber {
  readonly value: number;
  readonly served: string;

  constructor(value: number, served: string) {
    this.value = value;
    this.served = served;
  }
}

/** `inner` wrapped in `depth` arrays, written without recursion. */
export class DeepNest {
  readonly depth: number;
  readonly inner: JsonNode;

  constructor(depth: number, inner: JsonNode) {
    this.depth = depth;
    this.inner = inner;
  }
}

/**
 * A string with one invalid UTF-8 byte (0xFF) between `before` and `after`.
 * Go's decoder reads that byte as U+FFFD, so the canonical form (what the
 * notary client verifies) holds U+FFFD.
 */
export class InvalidUtf8String {
  readonly before: string;
  readonly after: string;

  constructor(before: string, after: string) {
    this.before = before;
    this.after = after;
  }
}

export type JsonNode = null | boolean | number | string | SpelledNumber | DeepNest | InvalidUtf8String | JsonNode[] | { [key: string]: JsonNode };

export type JsonObjectNode = { [key: string]: JsonNode };

export function isPlainObject(node: JsonNode | undefined): node is JsonObjectNode {
  return typeof node === 'object' && node !== null && !Array.isArray(node) && !(node instanceof SpelledNumber) && !(node instanceof DeepNest) && !(node instanceof InvalidUtf8String);
}

/** True when the tree holds a value the trust-factory's canonicalJson cannot take. */
export function hasSpecialNodes(node: JsonNode): boolean {
  if (node instanceof SpelledNumber || node instanceof DeepNest || node instanceof InvalidUtf8String) {
    return true;
  }
  if (Array.isArray(node)) {
    return node.some(hasSpecialNodes);
  }
  if (isPlainObject(node)) {
    return Object.values(node).some(hasSpecialNodes);
  }
  return typeof node === 'number' && !Number.isSafeInteger(node);
}

export type KeyOrder = 'canonical' | 'reverse' | 'case-variants-last';

/** An extra entry for an object: a key repeated, with another value before or after the real one. */
export interface DuplicateKey {
  /** Keys from the envelope down to the object (e.g. ['signed']). */
  readonly path: readonly string[];
  readonly key: string;
  readonly decoy: JsonNode;
  readonly position: 'before' | 'after';
}

export interface ServedStyle {
  /** Pretty-printing indent ('' or absent: compact). */
  readonly indent?: string;
  readonly newline?: '\n' | '\r\n';
  readonly colonSpace?: boolean;
  readonly leading?: string;
  readonly trailing?: string;
  /** Order of keys in every object below the envelope (default canonical). */
  readonly keyOrder?: KeyOrder;
  /** Write non-ASCII characters and the letters a, e and s as \u escapes. */
  readonly unicodeEscapes?: boolean;
  readonly escapeSlash?: boolean;
  readonly duplicates?: readonly DuplicateKey[];
}

const utf8Order = (a: string, b: string): number => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));

/** Canonical text: sorted keys, no whitespace, only `"` and `\` escaped, integers. */
export function canonicalText(node: JsonNode): string {
  if (node === null || typeof node === 'boolean') {
    return String(node);
  }
  if (typeof node === 'number') {
    return canonicalNumber(node);
  }
  if (typeof node === 'string') {
    return canonicalString(node);
  }
  if (node instanceof SpelledNumber) {
    return canonicalNumber(node.value);
  }
  if (node instanceof DeepNest) {
    return '['.repeat(node.depth) + canonicalText(node.inner) + ']'.repeat(node.depth);
  }
  if (node instanceof InvalidUtf8String) {
    return canonicalString(node.before + '\uFFFD' + node.after);
  }
  if (Array.isArray(node)) {
    return '[' + node.map(canonicalText).join(',') + ']';
  }
  const keys = Object.keys(node).sort(utf8Order);
  return '{' + keys.map((key) => canonicalString(key) + ':' + canonicalText(node[key] as JsonNode)).join(',') + '}';
}

/** As docker/go writes a float64 in canonical mode: the integer part, via int64. */
function canonicalNumber(value: number): string {
  if (!Number.isInteger(value)) {
    throw new Error(`canonical JSON has no fractions (${value})`);
  }
  return value.toFixed(0);
}

function canonicalString(text: string): string {
  return '"' + text.replace(/[\\"]/g, (char) => '\\' + char) + '"';
}

/** Marks the invalid byte in the served text; replaced by 0xFF in the bytes. */
const INVALID_BYTE_MARK = '\uE000';

/** The served bytes of an envelope (or any value) in the given style. */
export function servedBytes(node: JsonNode, style: ServedStyle = {}): Buffer {
  const writer = new ServedWriter(style);
  const text = (style.leading ?? '') + writer.write(node, [], 0) + (style.trailing ?? '');
  const bytes = Buffer.from(text, 'utf8');
  if (!text.includes(INVALID_BYTE_MARK)) {
    return bytes;
  }
  const mark = Buffer.from(INVALID_BYTE_MARK, 'utf8');
  const parts: Buffer[] = [];
  let start = 0;
  for (let at = bytes.indexOf(mark); at >= 0; at = bytes.indexOf(mark, start)) {
    parts.push(bytes.subarray(start, at), Buffer.from([0xff]));
    start = at + mark.length;
  }
  parts.push(bytes.subarray(start));
  return Buffer.concat(parts);
}

class ServedWriter {
  readonly #style: ServedStyle;

  constructor(style: ServedStyle) {
    this.#style = style;
  }

  write(node: JsonNode, path: readonly string[], level: number): string {
    if (node === null || typeof node === 'boolean') {
      return String(node);
    }
    if (typeof node === 'number') {
      return canonicalNumber(node);
    }
    if (typeof node === 'string') {
      return this.#string(node);
    }
    if (node instanceof SpelledNumber) {
      return node.served;
    }
    if (node instanceof DeepNest) {
      return '['.repeat(node.depth) + this.write(node.inner, path, level) + ']'.repeat(node.depth);
    }
    if (node instanceof InvalidUtf8String) {
      return this.#string(node.before + INVALID_BYTE_MARK + node.after);
    }
    const newline = this.#style.newline ?? '\n';
    const indent = this.#style.indent ?? '';
    const open = indent === '' ? '' : newline + indent.repeat(level + 1);
    const close = indent === '' ? '' : newline + indent.repeat(level);
    if (Array.isArray(node)) {
      if (node.length === 0) {
        return '[]';
      }
      return '[' + open + node.map((item) => this.write(item, path, level + 1)).join(',' + open) + close + ']';
    }
    const entries = this.#entries(node, path);
    if (entries.length === 0) {
      return '{}';
    }
    const colon = this.#style.colonSpace === true ? ': ' : ':';
    return '{' + open + entries.map(([key, value]) => this.#string(key) + colon + this.write(value, [...path, key], level + 1)).join(',' + open) + close + '}';
  }

  #entries(node: JsonObjectNode, path: readonly string[]): [string, JsonNode][] {
    const keys = Object.keys(node);
    // The envelope keeps Go's field order ("signed" before "signatures"), as notary writes it.
    const ordered = path.length === 0 ? this.#envelopeOrder(keys) : this.#order(keys);
    const entries: [string, JsonNode][] = ordered.map((key) => [key, node[key] as JsonNode]);
    for (const duplicate of this.#style.duplicates ?? []) {
      if (samePath(duplicate.path, path)) {
        const index = entries.findIndex(([key]) => key === duplicate.key);
        const decoy: [string, JsonNode] = [duplicate.key, duplicate.decoy];
        if (index < 0) {
          entries.push(decoy);
        } else {
          entries.splice(duplicate.position === 'before' ? index : index + 1, 0, decoy);
        }
      }
    }
    return entries;
  }

  #envelopeOrder(keys: string[]): string[] {
    const order = this.#style.keyOrder ?? 'canonical';
    if (order === 'reverse') {
      return [...keys].reverse();
    }
    return order === 'case-variants-last' ? caseVariantsLast(keys) : keys;
  }

  #order(keys: string[]): string[] {
    const sorted = [...keys].sort(utf8Order);
    switch (this.#style.keyOrder ?? 'canonical') {
      case 'canonical':
        return sorted;
      case 'reverse':
        return sorted.reverse();
      case 'case-variants-last':
        return caseVariantsLast(sorted);
    }
  }

  #string(text: string): string {
    let out = '"';
    for (const char of text) {
      const code = char.codePointAt(0) as number;
      if (char === '"' || char === '\\') {
        out += '\\' + char;
      } else if (code < 0x20) {
        out += code === 0x0a ? '\\n' : code === 0x09 ? '\\t' : '\\u' + code.toString(16).padStart(4, '0');
      } else if (char === '/' && this.#style.escapeSlash === true) {
        out += '\\/';
      } else if (this.#style.unicodeEscapes === true && char !== INVALID_BYTE_MARK && (code > 0x7f || 'aes'.includes(char))) {
        // Non-BMP characters become a surrogate pair of escapes, as JSON requires.
        for (let i = 0; i < char.length; i++) {
          out += '\\u' + char.charCodeAt(i).toString(16).padStart(4, '0');
        }
      } else {
        out += char;
      }
    }
    return out + '"';
  }
}

/** Keys that equal another key but for case come after every other key (Go's decoder keeps the last). */
function caseVariantsLast(keys: string[]): string[] {
  const isVariant = (key: string): boolean => key !== key.toLowerCase() && keys.includes(key.toLowerCase());
  return [...keys.filter((key) => !isVariant(key)), ...keys.filter(isVariant)];
}

function samePath(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((part, index) => part === b[index]);
}
