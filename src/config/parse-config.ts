/**
 * Parses and validates the YAML configuration file in one pass, reporting every
 * problem at once with the key it concerns. Pure: the environment and the
 * secret-file reader are passed in (only main.ts touches process.env and fs).
 */
import { parseDocument } from 'yaml';

import { err, ok, type Result } from '../lib/result.js';
import { CONFIG_FIELDS, type Config } from './config.js';
import type { Environment } from './environment.js';
import { isTree, readFields, type Reading, type Tree } from './schema.js';
import { checkRepositoryPolicies } from './signature-fields.js';
import { unresolvedAliasOffset, yamlErrorMessage } from './yaml-message.js';

export interface ConfigIssue {
  /** Dotted path of the key, e.g. `nexus.repositories[1].gunPrefix`. */
  readonly key: string;
  readonly message: string;
}

export interface ConfigInputs {
  readonly env: Environment;
  /** Reads a `passwordFile`; throws with a message on failure. */
  readonly readSecretFile: (path: string) => string;
}

export function parseConfig(text: string, inputs: ConfigInputs): Result<Config, ConfigIssue[]> {
  const document = parseDocument(text, { uniqueKeys: true });
  const first = document.errors[0];
  if (first !== undefined) {
    return err([{ key: '(file)', message: yamlErrorMessage(text, first) }]);
  }
  let raw: unknown;
  try {
    raw = document.toJS() ?? {};
  } catch (error) {
    // An alias whose anchor is not set (`schedule: *foo`) parses but cannot be resolved.
    return err([{ key: '(file)', message: yamlErrorMessage(text, error as Error, unresolvedAliasOffset(document)) }]);
  }
  if (!isTree(raw)) {
    return err([{ key: '(file)', message: 'must be a YAML mapping of keys' }]);
  }

  const issues: ConfigIssue[] = [];
  const written = new Map<string, string>();
  const reading: Reading = {
    env: inputs.env,
    readSecretFile: inputs.readSecretFile,
    // The first problem found for a key is the one worth reading (an unset
    // variable, not the empty value it leaves behind).
    issue(key, message) {
      if (!issues.some((existing) => existing.key === key)) {
        issues.push({ key, message });
      }
    },
    quoted: (key, value) => JSON.stringify(written.get(key) ?? value),
  };
  const tree = expandVariables(raw, '', reading, written) as Tree;
  const config = readFields(CONFIG_FIELDS, tree, '', reading);
  checkRepositoryPolicies(config.nexus?.repositories, config.signatures, reading);
  if (issues.length > 0) {
    return err(issues);
  }
  return ok(Object.freeze(config));
}

/**
 * ${VAR} expansion on string values, after YAML parsing, so that a variable's
 * value can never change the document's structure. `$$` writes a literal `$`.
 * What a value said before expansion is kept in `written` for messages: a
 * variable may hold a secret, and an error must never print it.
 */
function expandVariables(value: unknown, key: string, reading: Reading, written: Map<string, string>): unknown {
  if (typeof value === 'string') {
    if (value.includes('$')) {
      written.set(key, value);
    }
    return value.replace(/\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_match, name: string | undefined) => {
      if (name === undefined) {
        return '$';
      }
      const replacement = reading.env[name];
      if (replacement === undefined) {
        reading.issue(key, `refers to environment variable ${name}, which is not set`);
        return '';
      }
      return replacement;
    });
  }
  if (Array.isArray(value)) {
    return value.map((item, index) => expandVariables(item, `${key}[${index}]`, reading, written));
  }
  if (isTree(value)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, expandVariables(v, key === '' ? k : `${key}.${k}`, reading, written)]));
  }
  return value;
}
