/**
 * Canonical JSON exactly as Notary signs it: docker/go `canonical/json`
 * `MarshalCanonical` over the value that `json.Unmarshal` produced
 * (notary `tuf/signed/verify.go` re-canonicalises before verifying).
 *
 * - no whitespace; object keys sorted by their UTF-8 bytes (Go `sort.Strings`);
 * - strings escape only `\` and `"`, everything else is written raw
 *   (docker/go patch 0001: no `\u` escapes, no HTML escaping);
 * - numbers must be integers: Go decodes them to float64 and the canonical
 *   encoder rejects non-integral values (patch 0003). We also reject anything
 *   beyond 2^53, where a double stops being exact.
 */
import type { JsonValue } from './json.js';

export class CanonicalJsonError extends Error {}

export function canonicalize(value: JsonValue): Uint8Array {
  return Buffer.from(canonicalString(value), 'utf8');
}

function canonicalString(value: JsonValue): string {
  if (value === null) {
    return 'null';
  }
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isSafeInteger(value)) {
        throw new CanonicalJsonError(`number ${value} is not a safe integer`);
      }
      return String(value);
    case 'string':
      return quote(value);
    default:
      break;
  }
  if (Array.isArray(value)) {
    return '[' + value.map(canonicalString).join(',') + ']';
  }
  const object = value as { [k: string]: JsonValue };
  const keys = Object.keys(object);
  // For ASCII keys, UTF-16 order is UTF-8 byte order; only other keys need the byte comparison.
  if (keys.every((key) => ASCII.test(key))) {
    keys.sort();
  } else {
    keys.sort((a, b) => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8')));
  }
  let out = '{';
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i] as string;
    out += (i === 0 ? '' : ',') + quote(key) + ':' + canonicalString(object[key] as JsonValue);
  }
  return out + '}';
}

const ASCII = /^[\x00-\x7f]*$/;
const NEEDS_ESCAPE = /[\\"]/;

function quote(text: string): string {
  return NEEDS_ESCAPE.test(text) ? '"' + text.replace(/[\\"]/g, (char) => '\\' + char) + '"' : '"' + text + '"';
}
