/**
 * The error body of the Docker Registry HTTP API V2, which Notary server sends
 * too: `{"errors": [{"code": "...", "message": "...", "detail": ...}]}`
 * (https://distribution.github.io/distribution/spec/api/#errors; distribution
 * registry/api/errcode, notary server/errors). It comes from a server in an
 * error state or a hostile one, so it is read tolerantly (docs/house-style.md
 * rule 5): anything else is no errcode body, never an exception.
 */
import { isObject } from '../go-json-fields.js';

export interface ErrcodeEntry {
  /** `MANIFEST_UNKNOWN`, `NAME_UNKNOWN`, `UNAUTHORIZED`…; undefined when not a string. */
  readonly code: string | undefined;
  readonly message: string | undefined;
}

/** Server words go into our messages shortened to this many characters. */
const MESSAGE_CHARACTERS = 200;

/**
 * The entries of an errcode body, in the server's order; an entry that is not
 * an object has neither code nor message. undefined when the body is not JSON
 * or has no `errors` array.
 */
export function readErrcodes(body: Uint8Array): readonly ErrcodeEntry[] | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8'));
  } catch {
    return undefined;
  }
  const errors = isObject(parsed) ? ownField(parsed, 'errors') : undefined;
  if (!Array.isArray(errors)) {
    return undefined;
  }
  return (errors as unknown[]).map((item) => {
    const code = isObject(item) ? ownField(item, 'code') : undefined;
    const message = isObject(item) ? ownField(item, 'message') : undefined;
    return { code: typeof code === 'string' ? code : undefined, message: typeof message === 'string' ? message : undefined };
  });
}

/** Every string code of the body, in order (a 404 is `MANIFEST_UNKNOWN` or `NAME_UNKNOWN` only if it says so). */
export function errcodeCodes(body: Uint8Array): string[] {
  return (readErrcodes(body) ?? []).flatMap((entry) => (entry.code === undefined ? [] : [entry.code]));
}

/** The first entry's message, shortened: how notary's client reports a server error. */
export function errcodeMessage(body: Uint8Array): string | undefined {
  return readErrcodes(body)?.[0]?.message?.slice(0, MESSAGE_CHARACTERS);
}

/** `CODE (message)` of the first entry that has a code, the message shortened. */
export function errcodeSummary(body: Uint8Array): string | undefined {
  const first = readErrcodes(body)?.find((entry) => entry.code !== undefined);
  if (first?.code === undefined) {
    return undefined;
  }
  return `${first.code}${first.message === undefined ? '' : ` (${first.message.slice(0, MESSAGE_CHARACTERS)})`}`;
}

/** Own properties only: `JSON.parse` stores `__proto__` as a plain own key. */
function ownField(record: Record<string, unknown>, key: string): unknown {
  return Object.prototype.hasOwnProperty.call(record, key) ? record[key] : undefined;
}
