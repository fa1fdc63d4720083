/**
 * Notary's metadata formats (notary `tuf/data/{types,root,targets,snapshot,timestamp}.go`),
 * parsed strictly: a missing or ill-typed field fails closed. These are not
 * TUF 1.0 files: `_type` is capitalised, there is no `spec_version`, hashes,
 * keys and signatures are base64, and `expires` carries nanoseconds and offsets.
 */
import { err, ok, type Result } from '../../lib/result.js';
import { canonicalize, CanonicalJsonError } from './canonical-json.js';
import type { BaseRole, TrustFailureCode } from './codes.js';
import { entriesOf, isObject, ownValue, parseJsonBytes, type JsonObject, type JsonValue } from './json.js';
import { decodeBase64, importKey, type TufKey } from './keys.js';
import { parseRfc3339 } from './rfc3339.js';

export interface ParseFailure {
  readonly code: Extract<TrustFailureCode, 'MALFORMED_METADATA' | 'WRONG_TYPE'>;
  readonly detail: string;
}

export interface SignatureEntry {
  readonly keyid: string;
  readonly method: string;
  readonly sig: Uint8Array;
}

export interface RoleKeys {
  readonly keyids: readonly string[];
  readonly threshold: number;
}

/** Length and hashes of a file, as snapshot and timestamp list them. */
export interface FileMeta {
  readonly length: number;
  /** Algorithm → digest bytes; sha256 is always present. */
  readonly hashes: ReadonlyMap<string, Uint8Array>;
}

interface Signed {
  readonly version: number;
  readonly expires: Date;
  /** The canonical bytes of `signed`: what the signatures cover. */
  readonly message: Uint8Array;
  readonly signatures: readonly SignatureEntry[];
}

export interface Root extends Signed {
  readonly keys: ReadonlyMap<string, TufKey>;
  /** Every base role, present by construction (parseRoot refuses a root missing one). */
  readonly roles: Readonly<Record<BaseRole, RoleKeys>>;
}

export interface Timestamp extends Signed {
  readonly snapshot: FileMeta;
}

export interface Snapshot extends Signed {
  readonly meta: ReadonlyMap<string, FileMeta>;
  /** `meta` root and targets, present by construction (notary IsValidSnapshotStructure). */
  readonly root: FileMeta;
  readonly targets: FileMeta;
}

export interface DelegatedRole extends RoleKeys {
  readonly name: string;
  readonly paths: readonly string[];
}

export interface Targets extends Signed {
  readonly targets: ReadonlyMap<string, FileMeta>;
  readonly delegationKeys: ReadonlyMap<string, TufKey>;
  readonly delegations: readonly DelegatedRole[];
}

/** Bounds on what one file may make us do. */
const MAX_SIGNATURES = 64;
const MAX_KEYS = 256;
const MAX_DELEGATIONS = 256;
const MAX_PATHS = 1024;

/** The digest length of each hash algorithm we check (notary CheckValidHashStructures). */
const HASH_LENGTHS: ReadonlyMap<string, number> = new Map([
  ['sha256', 32],
  ['sha512', 64],
]);

class Malformed extends Error {}

function fail(message: string): never {
  throw new Malformed(message);
}

function field(object: JsonObject, key: string, where: string): JsonValue {
  const value = ownValue(object, key);
  if (value === undefined) {
    fail(`${where} has no "${key}"`);
  }
  return value;
}

function objectField(object: JsonObject, key: string, where: string): JsonObject {
  const value = field(object, key, where);
  return isObject(value) ? value : fail(`${where}.${key} is not an object`);
}

function stringField(object: JsonObject, key: string, where: string): string {
  const value = field(object, key, where);
  return typeof value === 'string' ? value : fail(`${where}.${key} is not a string`);
}

function integerField(object: JsonObject, key: string, where: string, minimum: number): number {
  const value = field(object, key, where);
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < minimum) {
    fail(`${where}.${key} is not an integer >= ${minimum}`);
  }
  return value;
}

function arrayField(object: JsonObject, key: string, where: string, maximum: number): JsonValue[] {
  const value = field(object, key, where);
  if (!Array.isArray(value)) {
    fail(`${where}.${key} is not an array`);
  }
  if (value.length > maximum) {
    fail(`${where}.${key} has more than ${maximum} entries`);
  }
  return value;
}

/*
 * A map or list that Go may have written as `null`: encoding/json marshals a nil
 * map or slice so (e.g. `delegations.roles` once `notary delegation remove`
 * removed the last delegation) and decodes it back as empty. Absent is still
 * malformed.
 */
function mapField(object: JsonObject, key: string, where: string): JsonObject {
  return ownValue(object, key) === null ? {} : objectField(object, key, where);
}

function listField(object: JsonObject, key: string, where: string, maximum: number): JsonValue[] {
  return ownValue(object, key) === null ? [] : arrayField(object, key, where, maximum);
}

function stringArray(object: JsonObject, key: string, where: string, maximum: number): string[] {
  return arrayField(object, key, where, maximum).map((item) =>
    typeof item === 'string' ? item : fail(`${where}.${key} holds a non-string`)
  );
}

/*
 * The notary client decodes metadata with docker/go canonical/json, which (like
 * Go's encoding/json) matches an object key to a struct field ignoring case,
 * folding `ſ` to `s` and the Kelvin sign to `k`, the last match winning: after
 * `"targets"`, a `"Targets"` is what notary reads, while we would read the
 * first. An object decoded into a struct may therefore not hold a key that
 * differs from one of its fields only in case. (Map keys, such as tag names,
 * are matched exactly and are not concerned.)
 */
const goFold = (text: string): string => text.replace(/\u017f/g, 's').toLowerCase();

function refuseCaseVariants(object: JsonObject, fields: readonly string[], where: string): void {
  for (const key of Object.keys(object)) {
    const twin = fields.find((field) => field !== key && goFold(field) === goFold(key));
    if (twin !== undefined) {
      fail(`${where} has "${key}", which notary reads as its "${twin}"`);
    }
  }
}

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
const DELEGATIONS_FIELDS = ['keys', 'roles'];

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

function parseKeys(object: JsonObject, where: string): Map<string, TufKey> {
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

function parseRoleKeys(value: JsonValue, where: string, known: ReadonlyMap<string, TufKey>): RoleKeys {
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
function parseSigned(bytes: Uint8Array, type: string): { signed: JsonObject; common: Signed } {
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

class WrongType extends Error {}

/**
 * Runs a parser and turns its refusals into a ParseFailure. Any other error (a
 * bug, or V8's `RangeError: Invalid string length` on input hundreds of
 * megabytes over the fetcher's limits) propagates: the caller reports it as an
 * error, not as malformed metadata. Exported for its unit test, which is the
 * only way to reach that last branch without such input.
 */
export function guard<T>(parse: () => T): Result<T, ParseFailure> {
  try {
    return ok(parse());
  } catch (error) {
    if (error instanceof Malformed) {
      return err({ code: 'MALFORMED_METADATA', detail: error.message });
    }
    if (error instanceof WrongType) {
      return err({ code: 'WRONG_TYPE', detail: error.message });
    }
    // canonicalize() runs only in parseSigned on a `signed` object (computeKeyId canonicalises only strings, which cannot fail).
    if (error instanceof CanonicalJsonError) {
      return err({ code: 'MALFORMED_METADATA', detail: `signed cannot be canonicalised: ${error.message}` });
    }
    throw error;
  }
}

export function parseRoot(bytes: Uint8Array): Result<Root, ParseFailure> {
  return guard(() => {
    const { signed, common } = parseSigned(bytes, 'Root');
    const keys = parseKeys(objectField(signed, 'keys', 'signed'), 'signed.keys');
    const rolesObject = objectField(signed, 'roles', 'signed');
    const roleKeys = (role: BaseRole): RoleKeys => parseRoleKeys(field(rolesObject, role, 'signed.roles'), `signed.roles.${role}`, keys);
    // A record, not a map: a base role without keys cannot be expressed. Parsed in BASE_ROLES order.
    const roles: Record<BaseRole, RoleKeys> = { root: roleKeys('root'), targets: roleKeys('targets'), snapshot: roleKeys('snapshot'), timestamp: roleKeys('timestamp') };
    return { ...common, keys, roles };
  });
}

export function parseTimestamp(bytes: Uint8Array): Result<Timestamp, ParseFailure> {
  return guard(() => {
    const { signed, common } = parseSigned(bytes, 'Timestamp');
    const meta = objectField(signed, 'meta', 'signed');
    return { ...common, snapshot: parseFileMeta(field(meta, 'snapshot', 'signed.meta'), 'signed.meta.snapshot') };
  });
}

export function parseSnapshot(bytes: Uint8Array): Result<Snapshot, ParseFailure> {
  return guard(() => {
    const { signed, common } = parseSigned(bytes, 'Snapshot');
    const meta = new Map<string, FileMeta>();
    const entries = entriesOf(objectField(signed, 'meta', 'signed'));
    if (entries.length > MAX_DELEGATIONS + 2) {
      fail(`signed.meta lists more than ${MAX_DELEGATIONS + 2} files`);
    }
    for (const [role, value] of entries) {
      meta.set(role, parseFileMeta(value, `signed.meta.${role}`));
    }
    // notary IsValidSnapshotStructure: root and targets must be listed.
    const required = (role: 'root' | 'targets'): FileMeta => meta.get(role) ?? fail(`signed.meta has no "${role}"`);
    const root = required('root');
    return { ...common, meta, root, targets: required('targets') };
  });
}

/** notary tuf/data/roles.go IsDelegation: lower-case path segments under `targets/`, path-clean. */
const DELEGATION_NAME = /^targets(?:\/[-a-z0-9_]+)+$/;

/** A delegation role name Notary could have written (and nothing that could leave a URL path). */
export function isDelegationName(name: string): boolean {
  return name.length < 256 && DELEGATION_NAME.test(name);
}

/** Parses `targets.json` or a delegation file; `role` is its own name (delegations must be direct children). */
export function parseTargets(bytes: Uint8Array, role: string): Result<Targets, ParseFailure> {
  return guard(() => {
    const { signed, common } = parseSigned(bytes, 'Targets');
    const targets = new Map<string, FileMeta>();
    for (const [name, value] of entriesOf(mapField(signed, 'targets', 'signed'))) {
      targets.set(name, parseFileMeta(value, `signed.targets[${JSON.stringify(name)}]`));
    }
    const delegationsObject = objectField(signed, 'delegations', 'signed');
    refuseCaseVariants(delegationsObject, DELEGATIONS_FIELDS, 'signed.delegations');
    const delegationKeys = parseKeys(mapField(delegationsObject, 'keys', 'signed.delegations'), 'signed.delegations.keys');
    const declared = new Set<string>();
    const delegations = listField(delegationsObject, 'roles', 'signed.delegations', MAX_DELEGATIONS).map(
      (value, index): DelegatedRole => {
        const where = `signed.delegations.roles[${index}]`;
        if (!isObject(value)) {
          fail(`${where} is not an object`);
        }
        const name = stringField(value, 'name', where);
        if (!isDelegationName(name) || !name.startsWith(role + '/') || name.slice(role.length + 1).includes('/')) {
          fail(`${where}.name ${JSON.stringify(name)} is not a direct child delegation of ${role}`);
        }
        // notary tuf/data/targets.go: a role declared twice fails the load ("has already been loaded").
        if (declared.has(name)) {
          fail(`${where}.name ${JSON.stringify(name)} is declared twice`);
        }
        declared.add(name);
        return {
          name,
          ...parseRoleKeys(value, where, delegationKeys),
          paths: stringArray(value, 'paths', where, MAX_PATHS),
        };
      }
    );
    return { ...common, targets, delegationKeys, delegations };
  });
}
