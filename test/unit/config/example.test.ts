/**
 * examples/config.yaml is a valid configuration for parseConfig and for the
 * generated JSON Schema, and it names every key the schema knows: a key added
 * to src/config without an example fails here. Keys that exclude each other
 * (`password`, `passwordFile`) are shown once set and once as a commented-out
 * line (`# passwordFile: …` at the key's indentation), which counts as named.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';

import { Ajv } from 'ajv';
import { parse as parseYaml } from 'yaml';

import { CONFIG_SCHEMA_PATH, configJsonSchema } from '../../../src/config/json-schema.js';
import { parseConfig } from '../../../src/config/parse-config.js';
import type { JsonSchema } from '../../../src/config/schema.js';

const REPOSITORY_ROOT = new URL('../../../../', import.meta.url);
const EXAMPLE = new URL('examples/config.yaml', REPOSITORY_ROOT);
const text = readFileSync(EXAMPLE, 'utf8');

/** The example's `${VAR}`s and passwordFiles. */
const ENV = { NEXUS_PASSWORD: 'nexus-secret', NEXUS_WEBHOOK_SECRET: 'webhook-secret' };
const FILES: Record<string, string> = {
  '/run/secrets/notary-password': 'notary-secret\n',
  '/run/secrets/web-password': 'web-secret\n',
  '/run/secrets/alertmanager-password': 'alertmanager-secret\n',
};
const readSecretFile = (path: string): string => FILES[path] ?? assert.fail(`the example reads an unexpected passwordFile ${path}`);

/** Every key path the schema knows: `[]` for a list's items, `*` for a mapping's free names (policy names). */
function schemaPaths(schema: JsonSchema, path: string, into: Set<string>): Set<string> {
  for (const [name, child] of Object.entries(schema.properties ?? {})) {
    const at = path === '' ? name : `${path}.${name}`;
    into.add(at);
    schemaPaths(child, at, into);
  }
  if (schema.items !== undefined) {
    schemaPaths(schema.items, `${path}[]`, into);
  }
  if (typeof schema.additionalProperties === 'object') {
    into.add(`${path}.*`);
    schemaPaths(schema.additionalProperties, `${path}.*`, into);
  }
  return into;
}

/** The key paths a document sets, named as schemaPaths names them. */
function documentPaths(value: unknown, schema: JsonSchema, path: string, into: Set<string>): Set<string> {
  if (Array.isArray(value) && schema.items !== undefined) {
    for (const item of value) {
      documentPaths(item, schema.items, `${path}[]`, into);
    }
  } else if (typeof value === 'object' && value !== null) {
    for (const [name, child] of Object.entries(value)) {
      const known = schema.properties?.[name];
      const free = typeof schema.additionalProperties === 'object' ? schema.additionalProperties : undefined;
      const at = known !== undefined ? (path === '' ? name : `${path}.${name}`) : `${path}.*`;
      into.add(at);
      const childSchema = known ?? free;
      if (childSchema !== undefined) {
        documentPaths(child, childSchema, at, into);
      }
    }
  }
  return into;
}

describe('examples/config.yaml', () => {
  const schema = configJsonSchema();

  it('is a valid configuration for parseConfig', () => {
    const parsed = parseConfig(text, { env: ENV, readSecretFile });

    assert.ok(parsed.ok, JSON.stringify(!parsed.ok && parsed.error));
    assert.equal(parsed.value.nexus?.password, 'nexus-secret');
    assert.equal(parsed.value.notary?.password, 'notary-secret');
    assert.equal(parsed.value.web.password, 'web-secret');
    assert.deepEqual(
      parsed.value.signatures?.policies.map((policy) => policy.name),
      ['release']
    );
  });

  it('validates against the generated JSON Schema', () => {
    const validate = new Ajv({ strict: true, strictRequired: false, allErrors: true }).compile(schema);

    assert.ok(validate(parseYaml(text)), JSON.stringify(validate.errors, null, 2));
  });

  it(`points editors at ${CONFIG_SCHEMA_PATH} with the YAML language server's modeline`, () => {
    const modeline = /^# yaml-language-server: \$schema=(\S+)$/m.exec(text);

    assert.ok(modeline?.[1] !== undefined, 'no modeline');
    const target = new URL(modeline[1], EXAMPLE);
    assert.equal(target.href, new URL(CONFIG_SCHEMA_PATH, REPOSITORY_ROOT).href);
    assert.ok(existsSync(target));
  });

  it('names every key of the schema, the exclusive ones as a commented-out line', () => {
    const known = schemaPaths(schema, '', new Set());
    const keyNames = new Set(
      [...known].map((path) =>
        path
          .split(/[.[\]]+/)
          .filter(Boolean)
          .pop()
      )
    );
    const uncommented = text.replace(/^(\s*)# ([A-Za-z]+)(: .*)$/gm, (line, indent: string, key: string, rest: string) => (keyNames.has(key) ? `${indent}${key}${rest}` : line));
    const named = documentPaths(parseYaml(uncommented), schema, '', new Set());

    assert.deepEqual(
      [...known].filter((path) => !named.has(path)),
      []
    );
    assert.deepEqual(
      [...named].filter((path) => !known.has(path)),
      []
    );
  });
});
