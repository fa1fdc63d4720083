import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';

import { Ajv } from 'ajv';
import { parse as parseYaml } from 'yaml';

import { CONFIG_SCHEMA_PATH, configJsonSchema, renderConfigJsonSchema } from '../../../src/config/json-schema.js';
import { parseConfig } from '../../../src/config/parse-config.js';

const REPOSITORY_ROOT = new URL('../../../../', import.meta.url);

/**
 * ajv in strict mode: a keyword it does not know, or one that cannot apply, is
 * an error in the schema itself. But strictRequired: a `required` inside
 * `not`/`anyOf` names the keys of the mapping around it, which that check
 * looks for in the subschema's own properties.
 */
function compileSchema() {
  const ajv = new Ajv({ strict: true, strictRequired: false, allErrors: true });
  return ajv.compile(configJsonSchema());
}

const inputs = { env: { SECRET: 's3cret' }, readSecretFile: () => 'from-file' };

/** Whether the schema and parseConfig both refuse `text`, and the keys parseConfig names. */
function refusedByBoth(text: string): { schemaErrors: string[]; keys: string[] } {
  const validate = compileSchema();
  const accepted = validate(parseYaml(text));
  const parsed = parseConfig(text, inputs);
  assert.equal(accepted, false, `the schema accepts:\n${text}`);
  assert.equal(parsed.ok, false, `parseConfig accepts:\n${text}`);
  return { schemaErrors: (validate.errors ?? []).map((error) => `${error.instancePath} ${error.keyword}`), keys: parsed.ok ? [] : parsed.error.map((issue) => issue.key) };
}

const MINIMAL = 'nexus:\n  url: https://nexus.example.com\nnotary:\n  url: https://notary.example.com:4443\n';

describe('the configuration JSON Schema', () => {
  it(`is committed as ${CONFIG_SCHEMA_PATH} exactly as generated (run npm run schema after changing src/config)`, () => {
    const committed = readFileSync(new URL(CONFIG_SCHEMA_PATH, REPOSITORY_ROOT), 'utf8');

    assert.equal(committed, renderConfigJsonSchema());
  });

  it('is a valid draft-07 schema that ajv compiles in strict mode', () => {
    assert.equal(configJsonSchema().$schema, 'http://json-schema.org/draft-07/schema#');
    assert.doesNotThrow(compileSchema);
  });

  it('accepts what parseConfig accepts: a minimal file, ${VAR} in pattern-checked strings, a port as a number', () => {
    const validate = compileSchema();
    const texts = [
      MINIMAL,
      'nexus:\n  url: ${NEXUS_URL}\n  repositories:\n    - {name: hosted, gunPrefix: "${PREFIX}"}\nlisten: 9817\n',
      'listen: "[::1]:9817"\nweb:\n  username: prometheus\n  passwordFile: /run/secrets/web\n  tlsCertFile: /etc/tls.crt\n  tlsKeyFile: /etc/tls.key\n',
    ];
    for (const text of texts) {
      const env = { NEXUS_URL: 'https://nexus.example.com', PREFIX: 'nexus.example.com:18079' };
      assert.ok(parseConfig(text, { env, readSecretFile: () => 'x' }).ok, text);
      assert.ok(validate(parseYaml(text)), `${text}\n${JSON.stringify(validate.errors)}`);
    }
  });

  it('and parseConfig both refuse an unknown key, at the top and in a section', () => {
    assert.deepEqual(refusedByBoth(`${MINIMAL}shedule: "* * * * *"\n`).keys, ['shedule']);
    assert.deepEqual(refusedByBoth(`${MINIMAL}web:\n  tlsCert: /etc/tls.crt\n`).keys, ['web.tlsCert']);
    assert.deepEqual(refusedByBoth(`nexus:\n  url: https://n\n  repositories:\n    - {name: a, gunPrefix: n:1, policy: x}\n`).keys, ['nexus.repositories[0].policy']);
  });

  it('and parseConfig both refuse a wrong type', () => {
    assert.deepEqual(refusedByBoth(`${MINIMAL}expiryWarningDays: "7"\n`).keys, ['expiryWarningDays']);
    assert.deepEqual(refusedByBoth(`${MINIMAL}events:\n  notaryChangefeed: yes please\n`).keys, ['events.notaryChangefeed']);
    assert.deepEqual(refusedByBoth('nexus: https://nexus.example.com\n').keys, ['nexus']);
  });

  it('and parseConfig both refuse a number out of its range or not whole', () => {
    assert.deepEqual(refusedByBoth(`${MINIMAL}requestTimeoutSeconds: 0\n`).keys, ['requestTimeoutSeconds']);
    assert.deepEqual(refusedByBoth(`${MINIMAL}expiryWarningDays: 3651\n`).keys, ['expiryWarningDays']);
    assert.deepEqual(refusedByBoth(`${MINIMAL}web:\n  minScanIntervalSeconds: 1.5\n`).keys, ['web.minScanIntervalSeconds']);
  });

  it('and parseConfig both refuse a word outside a closed list', () => {
    assert.deepEqual(refusedByBoth(`${MINIMAL}metrics:\n  tagSeries: some\n`).keys, ['metrics.tagSeries']);
    assert.deepEqual(refusedByBoth(`nexus:\n  url: https://n\n  repositories:\n    - {name: a, gunPrefix: n:1, require: [gpg]}\n`).keys, ['nexus.repositories[0].require']);
  });

  it('and parseConfig both refuse what goes together apart, and what excludes each other together', () => {
    assert.deepEqual(refusedByBoth(`nexus:\n  url: https://n\n  password: a\n  passwordFile: /f\n`).keys, ['nexus.passwordFile']);
    assert.deepEqual(refusedByBoth(`${MINIMAL}web:\n  username: prometheus\n`).keys, ['web.username']);
    assert.deepEqual(refusedByBoth(`${MINIMAL}web:\n  tlsKeyFile: /k\n`).keys, ['web.tlsCertFile']);
    assert.deepEqual(refusedByBoth(`${MINIMAL}signatures:\n  policies:\n    Release:\n      cosign: {keys: [/k.pub]}\n`).keys, ['signatures.policies.Release']);
    assert.deepEqual(refusedByBoth(`${MINIMAL}signatures:\n  policies:\n    release:\n      cosign:\n        identities: [{issuer: "https://i", subject: s}]\n`).keys, [
      'signatures.policies.release.cosign.trustedRoot',
    ]);
  });

  it('marks every secret writeOnly, so that config check masks it', () => {
    const schema = configJsonSchema();
    const secrets: string[] = [];
    const walk = (node: unknown, path: string): void => {
      if (typeof node !== 'object' || node === null) {
        return;
      }
      const record = node as Record<string, unknown>;
      if (record['writeOnly'] === true) {
        secrets.push(path);
      }
      for (const [name, child] of Object.entries((record['properties'] as Record<string, unknown> | undefined) ?? {})) {
        walk(child, path === '' ? name : `${path}.${name}`);
      }
    };
    walk(schema, '');

    assert.deepEqual(secrets, ['nexus.password', 'notary.password', 'web.password', 'events.nexusWebhookSecret', 'alertmanager.password']);
  });
});
