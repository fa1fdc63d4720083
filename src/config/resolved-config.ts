/**
 * The configuration as parseConfig resolved it, shaped as the file is written
 * (URLs as text, `listen` as host:port, policies by name), with every default
 * filled in and every secret masked: what `config check` prints. Pure.
 */
import type { Config } from './config.js';
import { formatListenAddress } from './fields.js';
import { configJsonSchema } from './json-schema.js';
import { isTree, type JsonSchema, type Tree } from './schema.js';

/** What a secret is printed as. */
export const MASKED = '***';

export function resolvedConfigDocument(config: Config): Tree {
  // JSON drops the unset (undefined) keys and writes a URL as its href.
  const plain = JSON.parse(JSON.stringify(config)) as Tree;
  const document: Tree = { ...plain, listen: formatListenAddress(config.listen) };
  if (config.signatures !== undefined) {
    document['signatures'] = {
      policies: Object.fromEntries(config.signatures.policies.map(({ name, ...systems }) => [name, JSON.parse(JSON.stringify(systems)) as Tree])),
    };
  }
  return maskSecrets(document, configJsonSchema()) as Tree;
}

/**
 * Every value whose schema is `writeOnly` (the fields declared secret) becomes
 * MASKED, wherever it is: a secret added to the configuration is masked once
 * its field says it is one, with no list here to keep up to date.
 */
function maskSecrets(value: unknown, schema: JsonSchema | undefined): unknown {
  if (schema?.writeOnly === true) {
    return MASKED;
  }
  if (Array.isArray(value)) {
    return value.map((item) => maskSecrets(item, schema?.items));
  }
  if (isTree(value)) {
    const free = typeof schema?.additionalProperties === 'object' ? schema.additionalProperties : undefined;
    return Object.fromEntries(Object.entries(value).map(([key, child]) => [key, maskSecrets(child, schema?.properties?.[key] ?? free)]));
  }
  return value;
}
