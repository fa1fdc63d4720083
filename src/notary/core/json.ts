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
  try {
    return ok(JSON.parse(text) as JsonValue);
  } catch (error) {
    return err(`not valid JSON (${(error as Error).message})`);
  }
}

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
