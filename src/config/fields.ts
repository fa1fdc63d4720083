/**
 * The field readers the configuration's schema (config.ts) is written with.
 * After reporting an issue a reader returns a stand-in (the default, or an
 * unusable URL): parseConfig then returns the issues and never the stand-in.
 */
import { validate as validateCron } from 'node-cron';

import { GUN_PREFIX_PATTERN, isValidGunPrefix } from '../lib/reference.js';
import { SIGNATURE_SYSTEMS, type SignatureSystem } from '../domain/signatures.js';
import { parseHttpUrl } from './http-url.js';
import { isAbsent, isTree, keyOf, patternOrVariable, type Field, type JsonSchema, type Reading, type Tree } from './schema.js';

function readOptionalString(tree: Tree, name: string, where: string, reading: Reading): string | undefined {
  const value = tree[name];
  if (isAbsent(value)) {
    return undefined;
  }
  if (typeof value !== 'string' || value.length === 0) {
    reading.issue(keyOf(where, name), 'must be a non-empty string');
    return undefined;
  }
  return value;
}

const NON_EMPTY_STRING: JsonSchema = { type: 'string', minLength: 1 };

export const optionalString: Field<string | undefined> = { schema: NON_EMPTY_STRING, read: readOptionalString };

export function stringWithDefault(fallback: string): Field<string> {
  return { schema: { ...NON_EMPTY_STRING, default: fallback }, read: (tree, name, where, reading) => readOptionalString(tree, name, where, reading) ?? fallback };
}

/** A cron expression as node-cron reads it. */
export function cronExpression(fallback: string): Field<string> {
  return {
    // node-cron's grammar is not a regular expression worth copying: the schema checks the type only.
    schema: { ...NON_EMPTY_STRING, default: fallback },
    read(tree, name, where, reading) {
      const key = keyOf(where, name);
      const schedule = readOptionalString(tree, name, where, reading) ?? fallback;
      if (!validateCron(schedule)) {
        reading.issue(key, `${reading.quoted(key, schedule)} is not a valid cron expression`);
      }
      return schedule;
    },
  };
}

/** `true` or `false`; absent is `fallback`. */
export function booleanWithDefault(fallback: boolean): Field<boolean> {
  return {
    schema: { type: 'boolean', default: fallback },
    read(tree, name, where, reading) {
      const value = tree[name];
      if (isAbsent(value)) {
        return fallback;
      }
      if (typeof value !== 'boolean') {
        reading.issue(keyOf(where, name), 'must be true or false');
        return fallback;
      }
      return value;
    },
  };
}

/** The one range check: a number (whole, if asked) from min to max, in `unit`. */
export function numberInRange(options: { unit: string; min: number; max: number; whole: boolean; fallback: number }): Field<number> {
  const { unit, min, max, whole, fallback } = options;
  const message = `must be a ${whole ? 'whole number' : 'number'} of ${unit} from ${min} to ${max}`;
  return {
    schema: { type: whole ? 'integer' : 'number', minimum: min, maximum: max, default: fallback },
    read(tree, name, where, reading) {
      const value = tree[name];
      if (isAbsent(value)) {
        return fallback;
      }
      if (typeof value !== 'number' || !(whole ? Number.isInteger(value) : Number.isFinite(value)) || value < min || value > max) {
        reading.issue(keyOf(where, name), message);
        return fallback;
      }
      return value;
    },
  };
}

/** One of a closed list of words. */
export function oneOf<const W extends readonly string[]>(words: W, fallback: W[number], message: string): Field<W[number]> {
  return {
    schema: { type: 'string', enum: words, default: fallback },
    read(tree, name, where, reading) {
      const value = tree[name];
      const word = words.find((candidate) => candidate === value);
      if (word !== undefined) {
        return word;
      }
      if (!isAbsent(value)) {
        reading.issue(keyOf(where, name), message);
      }
      return fallback;
    },
  };
}

/** Stands in for a URL that was reported as wrong. */
const UNUSABLE_URL = 'http://invalid.invalid';

/** An http(s) URL without credentials; `fallbackEnv` names a variable read when the key is absent. */
export function httpUrl(options: { fallbackEnv?: string } = {}): Field<URL> {
  return {
    // Credentials in the URL are refused by the reader; the schema checks the scheme.
    schema: { type: 'string', pattern: patternOrVariable('https?://[^\\s]+') },
    read(tree, name, where, reading) {
      const key = keyOf(where, name);
      const value = readOptionalString(tree, name, where, reading) ?? (options.fallbackEnv === undefined ? undefined : reading.env[options.fallbackEnv]);
      if (value === undefined) {
        reading.issue(key, 'is required');
        return new URL(UNUSABLE_URL);
      }
      const parsed = parseHttpUrl(value);
      if (!parsed.ok) {
        reading.issue(key, parsed.error === 'not a URL' ? `${reading.quoted(key, value)} is not a URL` : 'must be an http or https URL');
        return new URL(UNUSABLE_URL);
      }
      if (parsed.value.username !== '' || parsed.value.password !== '') {
        reading.issue(key, 'must not carry credentials; use username and password');
        return new URL(UNUSABLE_URL);
      }
      return parsed.value;
    },
  };
}

/** A field whose value is a secret: `config check` prints it masked. */
export function secret<T>(field: Field<T>): Field<T> {
  return { ...field, schema: { ...field.schema, writeOnly: true } };
}

/** An http(s) URL without credentials, or undefined when the key is absent. */
export const optionalHttpUrl: Field<URL | undefined> = {
  schema: httpUrl().schema,
  read(tree, name, where, reading) {
    return isAbsent(tree[name]) ? undefined : httpUrl().read(tree, name, where, reading);
  },
};

/** `password`, or the content of `passwordFile` without its final newline; not both. */
export const password: Field<string | undefined> = {
  schema: { ...NON_EMPTY_STRING, writeOnly: true },
  alsoReads: { passwordFile: { ...NON_EMPTY_STRING, description: 'A file holding the password (its final newline is dropped), instead of password.' } },
  read(tree, name, where, reading) {
    const inline = readOptionalString(tree, name, where, reading);
    const file = readOptionalString(tree, 'passwordFile', where, reading);
    if (inline !== undefined && file !== undefined) {
      reading.issue(keyOf(where, 'passwordFile'), 'cannot be combined with password');
      return undefined;
    }
    if (file === undefined) {
      return inline;
    }
    try {
      return reading.readSecretFile(file).replace(/\r?\n$/, '');
    } catch (error) {
      reading.issue(keyOf(where, 'passwordFile'), `cannot be read: ${(error as Error).message}`);
      return undefined;
    }
  },
};

/** A host name or address with an optional port (as URL.host writes it). */
const HOST = /^(?:[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?$/;

export const hostList: Field<readonly string[]> = {
  schema: { type: 'array', items: { type: 'string', pattern: patternOrVariable(HOST.source.slice(1, -1)) }, default: [] },
  read(tree, name, where, reading) {
    const value = tree[name];
    if (isAbsent(value)) {
      return [];
    }
    if (!Array.isArray(value) || !value.every((host) => typeof host === 'string' && HOST.test(host))) {
      reading.issue(keyOf(where, name), 'must be a list of host or host:port names, e.g. [auth.example.com]');
      return [];
    }
    return value as string[];
  },
};

export interface ListenAddress {
  readonly host: string;
  readonly port: number;
}

const LISTEN = /^(?:\[([0-9a-fA-F:.]+)\]|([^:\s]*)):(\d{1,5})$/;

/** How a listen address is written in the file (IPv6 in brackets). */
export function formatListenAddress(address: ListenAddress): string {
  return address.host.includes(':') ? `[${address.host}]:${address.port}` : `${address.host}:${address.port}`;
}

/** `host:port`, `[v6]:port`, `:port` or a bare port number. */
export function listenAddress(fallback: ListenAddress): Field<ListenAddress> {
  return {
    schema: {
      anyOf: [
        { type: 'string', pattern: patternOrVariable(LISTEN.source.slice(1, -1)) },
        { type: 'integer', minimum: 0, maximum: 65535, description: 'A port, on every address.' },
      ],
      default: formatListenAddress(fallback),
    },
    read(tree, name, where, reading) {
      const value = tree[name];
      if (isAbsent(value)) {
        return fallback;
      }
      const text = typeof value === 'number' ? `:${value}` : value;
      const match = typeof text === 'string' ? LISTEN.exec(text) : null;
      const port = match === null ? Number.NaN : Number(match[3]);
      if (match === null || port > 65535) {
        reading.issue(keyOf(where, name), 'must be host:port, e.g. 0.0.0.0:9817 or [::]:9817');
        return fallback;
      }
      return { host: match[1] ?? (match[2] === '' ? '0.0.0.0' : (match[2] as string)), port };
    },
  };
}

export interface RepositoryConfig {
  readonly name: string;
  /** Notary name prefix for this repository's images: GUN = `${gunPrefix}/${image}`. */
  readonly gunPrefix: string;
  /** Contract v1.2: the policy of `signatures.policies` that audits this repository's tags. */
  readonly signaturePolicy?: string | undefined;
  /** Contract v1.2: the systems that decide the tags' `status` (default `[dct]`). */
  readonly require: readonly SignatureSystem[];
}

const REPOSITORY_KEYS = ['name', 'gunPrefix', 'signaturePolicy', 'require'] as const satisfies readonly (keyof RepositoryConfig)[];

const REPOSITORY_SCHEMA: JsonSchema = {
  type: 'object',
  properties: {
    name: { ...NON_EMPTY_STRING, description: 'The Nexus repository, by name; listed once.' },
    gunPrefix: {
      type: 'string',
      pattern: patternOrVariable(`${GUN_PREFIX_PATTERN}/*`),
      description: "The Notary name prefix of this repository's images, the registry host[:port][/path] they were pushed to: an image's GUN is <gunPrefix>/<image>.",
      examples: ['nexus.example.com:18079'],
    },
    signaturePolicy: { ...NON_EMPTY_STRING, description: "Contract v1.2: the policy of signatures.policies that audits this repository's tags (cosign, Notation)." },
    require: {
      type: 'array',
      items: { type: 'string', enum: SIGNATURE_SYSTEMS },
      minItems: 1,
      uniqueItems: true,
      default: ['dct'],
      description: "Contract v1.2: the signature systems that decide the tags' status; a tag is signed when every one of them verified it.",
    },
  },
  required: ['name', 'gunPrefix'],
  additionalProperties: false,
};

/** A list of `{name, gunPrefix}`, names distinct; undefined when absent. */
export const repositoryList: Field<readonly RepositoryConfig[] | undefined> = {
  schema: { type: 'array', items: REPOSITORY_SCHEMA },
  read(tree, name, where, reading) {
    const key = keyOf(where, name);
    const value = tree[name];
    if (isAbsent(value)) {
      return undefined;
    }
    if (!Array.isArray(value)) {
      reading.issue(key, 'must be a list of {name, gunPrefix}');
      return undefined;
    }
    const seen = new Set<string>();
    const repositories: RepositoryConfig[] = [];
    for (const [index, item] of value.entries()) {
      const at = `${key}[${index}]`;
      if (!isTree(item)) {
        reading.issue(at, 'must be a mapping with name and gunPrefix');
        continue;
      }
      for (const itemKey of Object.keys(item)) {
        if (!(REPOSITORY_KEYS as readonly string[]).includes(itemKey)) {
          reading.issue(`${at}.${itemKey}`, `is not a known key (known here: ${REPOSITORY_KEYS.join(', ')})`);
        }
      }
      const repository = item['name'];
      const gunPrefix = item['gunPrefix'];
      if (typeof repository !== 'string' || repository.length === 0) {
        reading.issue(`${at}.name`, 'is required and must be a string');
        continue;
      }
      if (seen.has(repository)) {
        reading.issue(`${at}.name`, `repository ${JSON.stringify(repository)} is listed twice`);
      }
      seen.add(repository);
      const trimmed = typeof gunPrefix === 'string' ? gunPrefix.replace(/\/+$/, '') : undefined;
      if (trimmed === undefined || !isValidGunPrefix(trimmed)) {
        reading.issue(`${at}.gunPrefix`, 'is required: the registry host[:port][/path] that images were pushed to, e.g. nexus.example.com:18079');
        continue;
      }
      const signaturePolicy = item['signaturePolicy'];
      if (signaturePolicy !== undefined && (typeof signaturePolicy !== 'string' || signaturePolicy.length === 0)) {
        reading.issue(`${at}.signaturePolicy`, 'must be the name of a policy of signatures.policies');
        continue;
      }
      repositories.push({ name: repository, gunPrefix: trimmed, signaturePolicy, require: readRequire(item, at, reading) });
    }
    return repositories;
  },
};

/** `require: [dct, cosign, notation]`, distinct; default `[dct]`. */
function readRequire(item: Tree, at: string, reading: Reading): readonly SignatureSystem[] {
  const value = item['require'];
  if (isAbsent(value)) {
    return ['dct'];
  }
  const systems = SIGNATURE_SYSTEMS as readonly unknown[];
  if (!Array.isArray(value) || value.length === 0 || !value.every((system) => systems.includes(system)) || new Set(value).size !== value.length) {
    reading.issue(`${at}.require`, `must be a non-empty list of distinct systems out of ${SIGNATURE_SYSTEMS.join(', ')}`);
    return ['dct'];
  }
  return value as SignatureSystem[];
}
