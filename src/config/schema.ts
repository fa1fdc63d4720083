/**
 * How the configuration's schema (config.ts) is read: a field reads one key
 * of a mapping, reports what is wrong with the key's dotted path, and returns
 * the value; a section reads a mapping of fields. The configuration's types
 * are derived from the fields (`Parsed`), and each field also describes
 * itself as JSON Schema (`schema`), from which schema/trust-auditor.schema.json
 * is generated (json-schema.ts): nothing is declared twice.
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

/**
 * The part of JSON Schema draft-07 the fields describe themselves with.
 * Draft-07 because it is the draft the YAML language server (the editors'
 * YAML support) validates fully; its later drafts are not supported there.
 * `writeOnly` marks a secret: `config check` prints it masked.
 */
export interface JsonSchema {
  readonly type?: 'string' | 'number' | 'integer' | 'boolean' | 'array' | 'object';
  readonly description?: string;
  readonly default?: unknown;
  readonly enum?: readonly unknown[];
  readonly minimum?: number;
  readonly maximum?: number;
  readonly minLength?: number;
  readonly pattern?: string;
  readonly items?: JsonSchema;
  readonly minItems?: number;
  readonly uniqueItems?: boolean;
  readonly properties?: Readonly<Record<string, JsonSchema>>;
  readonly required?: readonly string[];
  readonly additionalProperties?: boolean | JsonSchema;
  readonly propertyNames?: JsonSchema;
  readonly minProperties?: number;
  readonly anyOf?: readonly JsonSchema[];
  readonly oneOf?: readonly JsonSchema[];
  readonly not?: JsonSchema;
  readonly dependencies?: Readonly<Record<string, readonly string[]>>;
  readonly writeOnly?: boolean;
  readonly examples?: readonly unknown[];
}

/**
 * `${VAR}` anywhere in a string. Variables are expanded before the fields are
 * read, so a pattern of the schema (which sees the file as written) also
 * accepts a string that holds one; numbers, booleans and closed words cannot
 * come from a variable (expansion yields a string), in the schema as in parseConfig.
 */
export const VARIABLE_PATTERN = '\\$\\{[A-Za-z_][A-Za-z0-9_]*\\}';

/** A string matching `pattern` as a whole, or holding a `${VAR}`. */
export function patternOrVariable(pattern: string): string {
  return `^(?:${pattern})$|${VARIABLE_PATTERN}`;
}

export interface Field<T> {
  /** Keys of the section this field reads besides its own name (`passwordFile`), with their schemas. */
  readonly alsoReads?: Readonly<Record<string, JsonSchema>>;
  /** What the key holds, as JSON Schema: type, default, bounds, closed words, description. */
  readonly schema: JsonSchema;
  /** `where` is the section's dotted path, '' at the top. */
  read(section: Tree, name: string, where: string, reading: Reading): T;
}

export type Fields = Readonly<Record<string, Field<unknown>>>;

/** The value a table of fields reads into. */
export type Parsed<F extends Fields> = { readonly [K in keyof F]: F[K] extends Field<infer T> ? T : never };

export const keyOf = (where: string, name: string): string => (where === '' ? name : `${where}.${name}`);

/** Absent means undefined or null (`key:` with nothing after it). */
export const isAbsent = (value: unknown): value is undefined | null => value === undefined || value === null;

/** A field with its description (the doc an editor shows on hover). */
export function described<F extends Field<unknown>>(description: string, field: F): F {
  return { ...field, schema: { ...field.schema, description } };
}

/** The JSON Schema of a mapping of fields: their keys and no other. */
export function fieldsSchema(fields: Fields, extra: JsonSchema = {}): JsonSchema {
  const properties: Record<string, JsonSchema> = {};
  for (const [name, field] of Object.entries(fields)) {
    properties[name] = field.schema;
    Object.assign(properties, field.alsoReads);
  }
  const exclusive = Object.entries(fields).flatMap(([name, field]) => Object.keys(field.alsoReads ?? {}).map((other) => ({ required: [name, other] })));
  return {
    type: 'object',
    ...extra,
    properties,
    additionalProperties: false,
    // A key and the one it reads instead (`password`, `passwordFile`) are exclusive.
    ...(exclusive.length === 0 ? {} : { not: { anyOf: exclusive } }),
  };
}

/** Reads every field of a table, in its order, after refusing keys the table does not know. */
export function readFields<F extends Fields>(fields: F, tree: Tree, where: string, reading: Reading): Parsed<F> {
  const known = Object.entries(fields).flatMap(([name, field]) => [name, ...Object.keys(field.alsoReads ?? {})]);
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
  options: {
    whenAbsent: A;
    presentWithEnv?: string;
    check?: (parsed: Parsed<F>, where: string, reading: Reading) => void;
    /** What `check` refuses, as far as JSON Schema can say it. */
    checkSchema?: JsonSchema;
  }
): Field<A extends 'defaults' ? Parsed<F> : Parsed<F> | undefined> {
  type Result = A extends 'defaults' ? Parsed<F> : Parsed<F> | undefined;
  return {
    schema: fieldsSchema(fields, options.checkSchema),
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
