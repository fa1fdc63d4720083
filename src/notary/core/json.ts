/**
 * Strict parsing of untrusted metadata bytes. Invalid UTF-8 is rejected rather
 * than replaced, so that what we canonicalise is what the signer saw.
 */
import { err, ok, type Result } from '../../lib/result.js';

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

export function parseJsonBytes(bytes: Uint8Array): Result<JsonValue, string> {
  let text: string;
  try {
    text = STRICT_UTF8.decode(bytes);
  } catch {
    return err('not valid UTF-8');
  }
  const problem = lexicalProblem(text);
  if (problem !== undefined) {
    return err(problem);
  }
  try {
    return ok(JSON.parse(text) as JsonValue);
  } catch (error) {
    return err(`not valid JSON (${(error as Error).message})`);
  }
}

/**
 * Go's encoding/json refuses documents nested deeper than this
 * (`scanner.go` maxNestingDepth), so the notary client cannot read them: we
 * refuse them as malformed too, before anything walks the tree.
 */
export const MAX_JSON_DEPTH = 10_000;

/**
 * One pass over the text for what `JSON.parse` lets through and Go's decoder,
 * in the notary client, refuses: nesting deeper than its limit, and numbers
 * that are not integer literals (`1.0`, `10e-1`: Go cannot read them into the
 * integer fields length, version and threshold, and a canonical document has
 * no other numbers, since docker/go canonical/json writes integers only).
 */
function lexicalProblem(text: string): string | undefined {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const char = text.charCodeAt(i);
    if (char === QUOTE) {
      // To the closing quote, or the end of a truncated text (JSON.parse then says what is wrong).
      for (i++; i < text.length && text.charCodeAt(i) !== QUOTE; i++) {
        if (text.charCodeAt(i) === BACKSLASH) {
          i++;
        }
      }
    } else if (char === OPEN_BRACE || char === OPEN_BRACKET) {
      if (++depth > MAX_JSON_DEPTH) {
        return `nested deeper than ${MAX_JSON_DEPTH} levels`;
      }
    } else if (char === CLOSE_BRACE || char === CLOSE_BRACKET) {
      depth--;
    } else if (char === MINUS || (char >= DIGIT_0 && char <= DIGIT_9)) {
      const literal = NUMBER.exec(text.slice(i, i + 64))?.[0] as string;
      if (!INTEGER.test(literal)) {
        return `number ${literal} is not an integer literal`;
      }
      i += literal.length - 1;
    }
  }
  return undefined;
}

/** A JSON number token (the text starts with `-` or a digit); and the integer form. */
const NUMBER = /^-?[0-9]*(?:\.[0-9]*)?(?:[eE][+-]?[0-9]*)?/;
const INTEGER = /^-?(?:0|[1-9][0-9]*)$/;
const MINUS = 0x2d;
const DIGIT_0 = 0x30;
const DIGIT_9 = 0x39;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;

export function isObject(value: JsonValue | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Own enumerable entries only: `JSON.parse` stores a `__proto__` key as a plain own property. */
export function entriesOf(object: JsonObject): [string, JsonValue][] {
  return Object.keys(object).map((key) => [key, object[key] as JsonValue]);
}

export function ownValue(object: JsonObject, key: string): JsonValue | undefined {
  return Object.prototype.hasOwnProperty.call(object, key) ? object[key] : undefined;
}
