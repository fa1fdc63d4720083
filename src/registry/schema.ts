/**
 * Wire types of the Docker Registry HTTP API V2, as guards over parsed JSON.
 * Tolerant at this edge (docs/house-style.md rule 5): unknown fields are ignored
 * and ill-typed list items are skipped, because real registries send them —
 * Nexus answers `"tags": [null, "1.0.0-1", ...]` (containers/skopeo#2409).
 * What these return is only ever used to build further requests or a list of
 * names; nothing here is trust data.
 */

/**
 * `GET /v2/<name>/tags/list` body: `{"name": "<name>", "tags": [...]}`
 * (https://distribution.github.io/distribution/spec/api/#listing-image-tags).
 * distribution sends `"tags": null` for a repository without tags.
 */
export interface RegistryTagsList {
  readonly name: string | undefined;
  /** The string items, in the server's order; null, non-string and empty items dropped. */
  readonly tags: readonly string[];
  /** The last non-empty string item in the server's order (not sorted): the pagination cursor. */
  readonly lastTag: string | undefined;
}

/**
 * `GET /v2/_catalog` body: `{"repositories": [...]}`
 * (https://distribution.github.io/distribution/spec/api/#listing-repositories).
 */
export interface RegistryCatalog {
  readonly repositories: readonly string[];
  readonly lastRepository: string | undefined;
}

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

export function readTagsList(value: unknown): RegistryTagsList | undefined {
  if (!isRecord(value)) {
    return undefined;
  }
  const tags = ownField(value, 'tags');
  if (tags !== undefined && tags !== null && !Array.isArray(tags)) {
    return undefined;
  }
  const name = ownField(value, 'name');
  const { items, last } = strings(Array.isArray(tags) ? tags : []);
  return { name: typeof name === 'string' ? name : undefined, tags: items, lastTag: last };
}

export function readCatalog(value: unknown): RegistryCatalog | undefined {
  if (!isRecord(value)) {
    return undefined;
  }
  const repositories = ownField(value, 'repositories');
  if (repositories !== undefined && repositories !== null && !Array.isArray(repositories)) {
    return undefined;
  }
  const { items, last } = strings(Array.isArray(repositories) ? repositories : []);
  return { repositories: items, lastRepository: last };
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

function strings(values: readonly unknown[]): { items: string[]; last: string | undefined } {
  const items: string[] = [];
  let last: string | undefined;
  for (const item of values) {
    if (typeof item === 'string' && item.length > 0) {
      items.push(item);
      last = item;
    }
  }
  return { items, last };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Own properties only: `JSON.parse` stores `__proto__` as a plain own key. */
function ownField(record: Record<string, unknown>, key: string): unknown {
  return Object.prototype.hasOwnProperty.call(record, key) ? record[key] : undefined;
}
