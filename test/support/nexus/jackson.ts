/**
 * Jackson-style pretty printing of the REST API's JSON (docs/nexus-and-registry.md §1: "JSON is
 * pretty-printed Jackson").
 */

export type Json = null | boolean | number | string | readonly Json[] | JsonObject;
export interface JsonObject {
  readonly [key: string]: Json | RepeatedKey;
}

/** A key written several times in a row: the OrientDB `"blobCreated" : null, "blobCreated" : "..."` quirk (§1.4). */
export class RepeatedKey {
  readonly values: readonly Json[];
  constructor(values: readonly Json[]) {
    this.values = values;
  }
}

function isJsonArray(value: Json): value is readonly Json[] {
  return Array.isArray(value);
}

/**
 * Jackson's DefaultPrettyPrinter (INDENT_OUTPUT): objects put each `"key" : value` on its own line
 * indented by two spaces per level, `{ }` when empty; arrays stay inline as `[ a, b ]` / `[ ]` and
 * do not add a level. No trailing newline.
 */
export function jacksonPretty(value: Json, depth = 0): string {
  if (value === null || typeof value !== 'object') {
    return JSON.stringify(value);
  }
  if (isJsonArray(value)) {
    return value.length === 0 ? '[ ]' : `[ ${value.map((item) => jacksonPretty(item, depth)).join(', ')} ]`;
  }
  const indent = '  '.repeat(depth + 1);
  const lines: string[] = [];
  for (const [key, field] of Object.entries(value)) {
    for (const item of field instanceof RepeatedKey ? field.values : [field]) {
      lines.push(`${indent}${JSON.stringify(key)} : ${jacksonPretty(item, depth + 1)}`);
    }
  }
  return lines.length === 0 ? '{ }' : `{\n${lines.join(',\n')}\n${'  '.repeat(depth)}}`;
}

/** Jackson's StdDateFormat as Nexus configures it: 2024-06-27T02:21:58.195+00:00. */
export function jacksonDate(epochMillis: number): string {
  return new Date(epochMillis).toISOString().replace('Z', '+00:00');
}
