/**
 * How the configuration's schema (config.ts) is read: a field reads one key
 * of a mapping, reports what is wrong with the key's dotted path, and returns
 * the value; a section reads a mapping of fields. The configuration's types
 * are derived from the fields (`Parsed`), so nothing is declared twice.
 */
import type { Environment } from './environment.js';

export type Tree = { [key: string]: unknown };

export const isTree = (value: unknown): value is Tree => typeof value === 'object' && value !== null && !Array.isArray(value);

/** What every reader of one parse shares. */
export interface Reading {
  readonly env: Environment;
  /** Reads a `passwordFile`; throws with a message on failure. */
  readonly readSecretFile: (path: string) => string;
  /** Records a problem; the first one recorded for a key is the one kept. */
  issue(key: string, message: string): void;
  /** A value quoted in a message, as the file wrote it (before `${VAR}` expansion). */
  quoted(key: string, value: string): string;
}

export interface Field<T> {
  /** Keys of the section this field reads besides its own name (`passwordFile`). */
  readonly alsoReads?: readonly string[];
  /** `where` is the section's dotted path, '' at the top. */
  read(section: Tree, name: string, where: string, reading: Reading): T;
}

export type Fields = Readonly<Record<string, Field<unknown>>>;

/** The value a table of fields reads into. */
export type Parsed<F extends Fields> = { readonly [K in keyof F]: F[K] extends Field<infer T> ? T : never };

export const keyOf = (where: string, name: string): string => (where === '' ? name : `${where}.${name}`);

/** Absent means undefined or null (`key:` with nothing after it). */
export const isAbsent = (value: unknown): value is undefined | null => value === undefined || value === null;

/** Reads every field of a table, in its order, after refusing keys the table does not know. */
export function readFields<F extends Fields>(fields: F, tree: Tree, where: string, reading: Reading): Parsed<F> {
  const known = Object.entries(fields).flatMap(([name, field]) => [name, ...(field.alsoReads ?? [])]);
  for (const key of Object.keys(tree)) {
    if (!known.includes(key)) {
      reading.issue(keyOf(where, key), `is not a known key (known here: ${known.join(', ')})`);
    }
  }
  const parsed = Object.fromEntries(Object.entries(fields).map(([name, field]) => [name, field.read(tree, name, where, reading)]));
  return parsed as Parsed<F>;
}

/** The mapping at a key, or undefined when absent or not a mapping. */
function mappingAt(tree: Tree, name: string, key: string, reading: Reading): Tree | undefined {
  const value = tree[name];
  if (isAbsent(value)) {
    return undefined;
  }
  if (!isTree(value)) {
    reading.issue(key, 'must be a mapping');
    return undefined;
  }
  return value;
}

/**
 * A section of its own fields. `whenAbsent`: 'defaults' reads the fields from
 * an empty mapping; 'undefined' leaves the section out, unless the variable
 * named by `presentWithEnv` is set. `check` adds the section's cross-field rules.
 */
export function section<F extends Fields, A extends 'defaults' | 'undefined'>(
  fields: F,
  options: { whenAbsent: A; presentWithEnv?: string; check?: (parsed: Parsed<F>, where: string, reading: Reading) => void }
): Field<A extends 'defaults' ? Parsed<F> : Parsed<F> | undefined> {
  type Result = A extends 'defaults' ? Parsed<F> : Parsed<F> | undefined;
  return {
    read(tree, name, where, reading) {
      const key = keyOf(where, name);
      let mapping = mappingAt(tree, name, key, reading);
      if (mapping === undefined) {
        const present = options.whenAbsent === 'defaults' || (options.presentWithEnv !== undefined && reading.env[options.presentWithEnv] !== undefined);
        if (!present) {
          return undefined as Result;
        }
        mapping = {};
      }
      const parsed = readFields(fields, mapping, key, reading);
      options.check?.(parsed, key, reading);
      return parsed;
    },
  };
}
