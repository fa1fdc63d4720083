// `npm run schema`: writes the configuration's JSON Schema, generated from
// src/config (src/config/json-schema.ts), to schema/trust-auditor.schema.json.
// Run after the build; a unit test fails while the committed file differs.
/* global URL, process -- Node's globals: this script runs under node, and eslint.config.js gives .js files no environment. */
import { writeFileSync } from 'node:fs';

import { CONFIG_SCHEMA_PATH, renderConfigJsonSchema } from '../dist/src/config/json-schema.js';

const target = new URL(`../${CONFIG_SCHEMA_PATH}`, import.meta.url);
writeFileSync(target, renderConfigJsonSchema());
process.stdout.write(`wrote ${CONFIG_SCHEMA_PATH}\n`);
