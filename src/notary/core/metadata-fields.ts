/**
 * Reading metadata fields strictly: a missing or ill-typed field, or a key
 * notary would read as another field, is a refusal (`fail`), and `guard`
 * turns refusals into a ParseFailure value (docs/house-style.md rule 5).
 */
import { err, ok, type Result } from '../../lib/result.js';
import { CanonicalJsonError } from './canonical-json.js';
import { isObject, ownValue, type JsonObject, type JsonValue } from './json.js';
import type { ParseFailure } from './model.js';

class Malformed extends Error {}

export function fail(message: string): never {
  throw new Malformed(message);
}

export function field(object: JsonObject, key: string, where: string): JsonValue {
  const value = ownValue(object, key);
  if (value === undefined) {
    fail(`${where} has no "${key}"`);
  }
  return value;
}

export function objectField(object: JsonObject, key: string, where: string): JsonObject {
  const value = field(object, key, where);
  return isObject(value) ? value : fail(`${where}.${key} is not an object`);
}

export function stringField(object: JsonObject, key: string, where: string): string {
  const value = field(object, key, where);
  return typeof value === 'string' ? value : fail(`${where}.${key} is not a string`);
}

export function integerField(object: JsonObject, key: string, where: string, minimum: number): number {
  const value = field(object, key, where);
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < minimum) {
    fail(`${where}.${key} is not an integer >= ${minimum}`);
  }
  return value;
}

export function arrayField(object: JsonObject, key: string, where: string, maximum: number): JsonValue[] {
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
export function mapField(object: JsonObject, key: string, where: string): JsonObject {
  return ownValue(object, key) === null ? {} : objectField(object, key, where);
}

export function listField(object: JsonObject, key: string, where: string, maximum: number): JsonValue[] {
  return ownValue(object, key) === null ? [] : arrayField(object, key, where, maximum);
}

export function stringArray(object: JsonObject, key: string, where: string, maximum: number): string[] {
  return arrayField(object, key, where, maximum).map((item) => (typeof item === 'string' ? item : fail(`${where}.${key} holds a non-string`)));
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

export function refuseCaseVariants(object: JsonObject, fields: readonly string[], where: string): void {
  for (const key of Object.keys(object)) {
    const twin = fields.find((field) => field !== key && goFold(field) === goFold(key));
    if (twin !== undefined) {
      fail(`${where} has "${key}", which notary reads as its "${twin}"`);
    }
  }
}

export class WrongType extends Error {}

/**
 * Runs a parser and turns its refusals into a ParseFailure. Any other error (a
 * bug, or V8's `RangeError: Invalid string length` on input hundreds of
 * megabytes over the fetcher's limits) propagates: the caller reports it as an
 * error, not as malformed metadata. Every role parser runs in it (parse-roles.ts);
 * its unit test is the only way to reach that last branch without such input.
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
