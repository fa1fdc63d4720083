/**
 * Wire types of the Docker Registry HTTP API V2, as guards over parsed JSON.
 * Tolerant at this edge (docs/house-style.md rule 5): unknown fields are ignored
 * and ill-typed list items are skipped, because real registries send them.
 * Nothing here is trust data.
 */

/**
 * Error body shared by every endpoint: `{"errors": [{"code", "message", "detail"}]}`
 * (https://distribution.github.io/distribution/spec/api/#errors).
 */
export interface RegistryErrorBody {
  readonly errors: readonly { readonly code: string; readonly message: string | undefined }[];
}

/** Parses JSON bytes; undefined when they are not JSON. */
export function parseJson(bytes: Uint8Array): unknown {
  try {
    return JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8')) as unknown;
  } catch {
    return undefined;
  }
}

export function readErrorBody(value: unknown): RegistryErrorBody | undefined {
  if (!isRecord(value)) {
    return undefined;
  }
  const errors = ownField(value, 'errors');
  if (!Array.isArray(errors)) {
    return undefined;
  }
  const out: { code: string; message: string | undefined }[] = [];
  for (const item of errors as unknown[]) {
    if (!isRecord(item)) {
      continue;
    }
    const code = ownField(item, 'code');
    const message = ownField(item, 'message');
    if (typeof code === 'string') {
      out.push({ code, message: typeof message === 'string' ? message : undefined });
    }
  }
  return { errors: out };
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
