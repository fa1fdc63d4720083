/**
 * The configuration file's JSON Schema, generated from the fields of config.ts
 * (each describes itself), so that the schema an editor validates with and
 * the checks of parseConfig cannot drift apart. `npm run schema` writes it to
 * schema/trust-auditor.schema.json; a unit test keeps that file equal to this.
 *
 * What the schema cannot say, parseConfig still checks: a cron expression's
 * grammar, a regular expression's syntax, a port above 65535, credentials in
 * a URL, a repository listed twice, a signaturePolicy naming no policy, a
 * passwordFile that cannot be read. It sees the file as written: a string
 * holding `${VAR}` passes a pattern (the value is checked once expanded), and
 * an empty value (`key:`), which parseConfig reads as absent, is refused.
 */
import { CONFIG_FIELDS } from './config.js';
import { fieldsSchema, type JsonSchema } from './schema.js';

/** Draft-07: the draft the YAML language server validates fully (schema.ts, JsonSchema). */
export const JSON_SCHEMA_DRAFT = 'http://json-schema.org/draft-07/schema#';

/** Where the repository keeps the generated schema, relative to its root. */
export const CONFIG_SCHEMA_PATH = 'schema/trust-auditor.schema.json';

export type ConfigJsonSchema = JsonSchema & { readonly $schema: string; readonly title: string };

export function configJsonSchema(): ConfigJsonSchema {
  return {
    $schema: JSON_SCHEMA_DRAFT,
    title: 'trust-auditor configuration',
    ...fieldsSchema(CONFIG_FIELDS, {
      description: 'The YAML file of trust-auditor scan, serve and config check (--config FILE). ${VAR} is expanded in strings; unknown keys are an error.',
    }),
  };
}

/** The file's text: two-space JSON and a final newline. */
export function renderConfigJsonSchema(): string {
  return `${JSON.stringify(configJsonSchema(), null, 2)}\n`;
}
