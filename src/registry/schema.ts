/**
 * Wire types of the Docker Registry HTTP API V2, as guards over parsed JSON.
 * Tolerant at this edge (docs/house-style.md rule 5): unknown fields are ignored.
 * Nothing here is trust data. The error body is read by `lib/http/errcode.ts`.
 */

/** Parses JSON bytes; undefined when they are not JSON. */
export function parseJson(bytes: Uint8Array): unknown {
  try {
    return JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8')) as unknown;
  } catch {
    return undefined;
  }
}

/** The `mediaType` field of a manifest or index body, if it has one (optional in OCI image-spec). */
export function readManifestMediaType(value: unknown): string | undefined {
  if (!isRecord(value)) {
    return undefined;
  }
  const mediaType = ownField(value, 'mediaType');
  return typeof mediaType === 'string' && mediaType.length > 0 ? mediaType : undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Own properties only: `JSON.parse` stores `__proto__` as a plain own key. */
function ownField(record: Record<string, unknown>, key: string): unknown {
  return Object.prototype.hasOwnProperty.call(record, key) ? record[key] : undefined;
}
