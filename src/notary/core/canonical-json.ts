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
 *
 * Written as a loop over an explicit stack, not recursion: a signed file may
 * carry custom fields nested thousands deep (json.ts bounds the depth), and
 * the call stack of a worker thread must not be what decides the verdict.
 */
import type { JsonValue } from './json.js';

export class CanonicalJsonError extends Error {}

/** One container being written: its remaining members, in output order. */
interface Frame {
  readonly close: string;
  readonly members: readonly JsonValue[];
  /** For objects, the sorted keys matching `members`. */
  readonly keys: readonly string[] | undefined;
  next: number;
}

export function canonicalize(value: JsonValue): Uint8Array {
  const out = { text: '' };
  const stack: Frame[] = [];
  let pending: JsonValue | undefined = value;
  for (;;) {
    if (pending !== undefined) {
      const frame = write(pending, out);
      if (frame !== undefined) {
        stack.push(frame);
      }
      pending = undefined;
    }
    const frame = stack[stack.length - 1];
    if (frame === undefined) {
      return Buffer.from(out.text, 'utf8');
    }
    if (frame.next === frame.members.length) {
      out.text += frame.close;
      stack.pop();
      continue;
    }
    if (frame.next > 0) {
      out.text += ',';
    }
    if (frame.keys !== undefined) {
      out.text += quote(frame.keys[frame.next] as string) + ':';
    }
    pending = frame.members[frame.next++];
  }
}

/** Writes a scalar, or opens a container and returns its frame. */
function write(value: JsonValue, out: { text: string }): Frame | undefined {
  if (value === null) {
    out.text += 'null';
    return undefined;
  }
  switch (typeof value) {
    case 'boolean':
      out.text += value ? 'true' : 'false';
      return undefined;
    case 'number':
      if (!Number.isSafeInteger(value)) {
        throw new CanonicalJsonError(`number ${value} is not a safe integer`);
      }
      out.text += String(value);
      return undefined;
    case 'string':
      out.text += quote(value);
      return undefined;
    default:
      break;
  }
  if (Array.isArray(value)) {
    out.text += '[';
    return { close: ']', members: value, keys: undefined, next: 0 };
  }
  const keys = Object.keys(value);
  // For ASCII keys, UTF-16 order is UTF-8 byte order; only other keys need the byte comparison.
  if (keys.every((key) => ASCII.test(key))) {
    keys.sort();
  } else {
    keys.sort((a, b) => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8')));
  }
  out.text += '{';
  return { close: '}', members: keys.map((key) => value[key] as JsonValue), keys, next: 0 };
}

const ASCII = /^[\x00-\x7f]*$/;
const NEEDS_ESCAPE = /[\\"]/;

function quote(text: string): string {
  return NEEDS_ESCAPE.test(text) ? '"' + text.replace(/[\\"]/g, (char) => '\\' + char) + '"' : '"' + text + '"';
}
