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
  if (text.length > MAX_JSON_DEPTH && nestsDeeperThan(text, MAX_JSON_DEPTH)) {
    return err(`nested deeper than ${MAX_JSON_DEPTH} levels`);
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

/** Counts brackets outside strings; a document needs more characters than levels. */
function nestsDeeperThan(text: string, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const char = text.charCodeAt(i);
    if (inString) {
      if (char === BACKSLASH) {
        i++;
      } else if (char === QUOTE) {
        inString = false;
      }
    } else if (char === QUOTE) {
      inString = true;
    } else if (char === OPEN_BRACE || char === OPEN_BRACKET) {
      if (++depth > limit) {
        return true;
      }
    } else if (char === CLOSE_BRACE || char === CLOSE_BRACKET) {
      depth--;
    }
  }
  return false;
}

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
