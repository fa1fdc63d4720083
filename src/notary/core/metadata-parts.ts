/**
 * The envelope and the parts several roles share: signatures, the fields
 * common to every role (`parseSigned`), file lengths and hashes, keys, and the
 * key ids and threshold of a role.
 */
import { canonicalize } from './canonical-json.js';
import { entriesOf, isObject, parseJsonBytes, type JsonObject, type JsonValue } from './json.js';
import { decodeBase64, importKey, type TufKey } from './keys.js';
import { arrayField, fail, integerField, objectField, refuseCaseVariants, stringArray, stringField, WrongType } from './metadata-fields.js';
import type { FileMeta, RoleKeys, SignatureEntry, Signed } from './model.js';
import { parseRfc3339 } from './rfc3339.js';

/** Bounds on what one file may make us do (with MAX_DELEGATIONS and MAX_PATHS in parse-roles.ts). */
const MAX_SIGNATURES = 64;
const MAX_KEYS = 256;

/** The digest length of each hash algorithm we check (notary CheckValidHashStructures). */
const HASH_LENGTHS: ReadonlyMap<string, number> = new Map([
  ['sha256', 32],
  ['sha512', 64],
]);

const ENVELOPE_FIELDS = ['signed', 'signatures'];
const SIGNATURE_FIELDS = ['keyid', 'method', 'sig'];
const COMMON_FIELDS = ['_type', 'expires', 'version'];
const SIGNED_FIELDS: Readonly<Record<string, readonly string[]>> = {
  Root: [...COMMON_FIELDS, 'keys', 'roles', 'consistent_snapshot'],
  Targets: [...COMMON_FIELDS, 'targets', 'delegations'],
  Snapshot: [...COMMON_FIELDS, 'meta'],
  Timestamp: [...COMMON_FIELDS, 'meta'],
};
const FILE_META_FIELDS = ['length', 'hashes', 'custom'];
const KEY_FIELDS = ['keytype', 'keyval'];
const KEYVAL_FIELDS = ['public', 'private'];
const ROLE_FIELDS = ['keyids', 'threshold', 'name', 'paths'];

function parseSignatures(list: JsonValue[]): SignatureEntry[] {
  return list.map((item, index) => {
    const where = `signatures[${index}]`;
    if (!isObject(item)) {
      fail(`${where} is not an object`);
    }
    refuseCaseVariants(item, SIGNATURE_FIELDS, where);
    const sig = decodeBase64(stringField(item, 'sig', where));
    if (sig === undefined) {
      fail(`${where}.sig is not base64`);
    }
    // Signature.UnmarshalJSON lower-cases the method.
    return { keyid: stringField(item, 'keyid', where), method: stringField(item, 'method', where).toLowerCase(), sig };
  });
}

export function parseFileMeta(value: JsonValue, where: string): FileMeta {
  if (!isObject(value)) {
    fail(`${where} is not an object`);
  }
  refuseCaseVariants(value, FILE_META_FIELDS, where);
  const length = integerField(value, 'length', where, 0);
  const hashes = new Map<string, Uint8Array>();
  for (const [algorithm, encoded] of entriesOf(objectField(value, 'hashes', where))) {
    // A Map, not an object: an algorithm named `constructor` or `__proto__` is
    // just unknown (and ignored, as notary CheckHashes does), not malformed.
    const expected = HASH_LENGTHS.get(algorithm);
    if (expected === undefined) {
      continue; // unknown algorithms are ignored, as in notary CheckHashes
    }
    const digest = typeof encoded === 'string' ? decodeBase64(encoded) : undefined;
    if (digest === undefined || digest.length !== expected) {
      fail(`${where}.hashes.${algorithm} is not a base64 ${algorithm} digest`);
    }
    hashes.set(algorithm, digest);
  }
  if (!hashes.has('sha256')) {
    fail(`${where} has no sha256 hash`);
  }
  return { length, hashes };
}

export function parseKeys(object: JsonObject, where: string): Map<string, TufKey> {
  const entries = entriesOf(object);
  if (entries.length > MAX_KEYS) {
    fail(`${where} lists more than ${MAX_KEYS} keys`);
  }
  const keys = new Map<string, TufKey>();
  for (const [keyid, value] of entries) {
    if (!isObject(value)) {
      fail(`${where}.${keyid} is not an object`);
    }
    refuseCaseVariants(value, KEY_FIELDS, `${where}.${keyid}`);
    const keyval = objectField(value, 'keyval', `${where}.${keyid}`);
    refuseCaseVariants(keyval, KEYVAL_FIELDS, `${where}.${keyid}.keyval`);
    keys.set(keyid, importKey(stringField(value, 'keytype', `${where}.${keyid}`), stringField(keyval, 'public', `${where}.${keyid}.keyval`)));
  }
  return keys;
}

export function parseRoleKeys(value: JsonValue, where: string, known: ReadonlyMap<string, TufKey>): RoleKeys {
  if (!isObject(value)) {
    fail(`${where} is not an object`);
  }
  refuseCaseVariants(value, ROLE_FIELDS, where);
  const keyids = stringArray(value, 'keyids', where, MAX_KEYS);
  for (const keyid of keyids) {
    if (!known.has(keyid)) {
      fail(`${where} lists key ${keyid}, which is not among the keys`);
    }
  }
  return { keyids, threshold: integerField(value, 'threshold', where, 1) };
}

/** Parses the envelope and the fields common to every role. */
export function parseSigned(bytes: Uint8Array, type: string): { signed: JsonObject; common: Signed } {
  const parsed = parseJsonBytes(bytes);
  if (!parsed.ok) {
    fail(parsed.error);
  }
  const envelope = parsed.value;
  if (!isObject(envelope)) {
    fail('metadata is not a JSON object');
  }
  refuseCaseVariants(envelope, ENVELOPE_FIELDS, 'metadata');
  const signed = objectField(envelope, 'signed', 'metadata');
  refuseCaseVariants(signed, SIGNED_FIELDS[type] as readonly string[], 'signed');
  const signatures = parseSignatures(arrayField(envelope, 'signatures', 'metadata', MAX_SIGNATURES));
  const actualType = stringField(signed, '_type', 'signed');
  if (actualType !== type) {
    throw new WrongType(`_type is ${JSON.stringify(actualType)}, expected ${JSON.stringify(type)}`);
  }
  const expiresText = stringField(signed, 'expires', 'signed');
  const expires = parseRfc3339(expiresText);
  if (expires === undefined) {
    fail(`signed.expires ${JSON.stringify(expiresText)} is not an RFC 3339 time`);
  }
  // A CanonicalJsonError (a number that is not a safe integer) becomes MALFORMED_METADATA in `guard`.
  const message = canonicalize(signed);
  return {
    signed,
    common: { version: integerField(signed, 'version', 'signed', 1), expires, message, signatures },
  };
}
