/**
 * Reads the OCI documents that lead from an image to its cosign 3 and
 * Notation signatures (docs/signature-systems.md §5): the referrers index
 * (from the referrers API or the `sha256-<hex>` fallback tag) and each
 * referrer's manifest. Pure and strict: these bytes come from the registry,
 * and anything the pushers could not have written is refused, never guessed at.
 */
import { isObject } from '../lib/go-json-fields.js';
import { err, ok, type Result } from '../lib/result.js';

/** cosign 3's Sigstore bundle referrers (cosign `pkg/oci/remote/write.go`; any bundle version). */
export const SIGSTORE_BUNDLE_ARTIFACT_PREFIX = 'application/vnd.dev.sigstore.bundle';
/** Notation's signature referrers (Notary Project signature specification). */
export const NOTATION_ARTIFACT_TYPE = 'application/vnd.cncf.notary.signature';

export type ReferrerKind = 'bundle' | 'notation';

/** Bound on one index: a busy image has a few referrers per signer and attestation, never near this. */
export const MAX_REFERRERS = 256;
/** Bound on a referrer's one layer: a bundle with a certificate chain or an envelope is a few KiB. */
export const MAX_SIGNATURE_BLOB_BYTES = 1024 * 1024;

const DIGEST = /^sha256:[a-f0-9]{64}$/;

export interface Descriptor {
  readonly mediaType: string;
  readonly digest: string;
  readonly size: number;
  readonly artifactType: string | undefined;
}

export interface Referrer {
  readonly kind: ReferrerKind;
  /** The one layer: the bundle or the envelope. */
  readonly layer: Descriptor;
  /** Referrers whose layer is this many: signatures have one; anything else is malformed. */
  readonly layerCount: number;
}

function parseJsonObject(bytes: Uint8Array): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
    return isObject(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

function readDescriptor(value: unknown): Descriptor | undefined {
  if (!isObject(value)) {
    return undefined;
  }
  const { mediaType, digest, size, artifactType } = value;
  if (typeof mediaType !== 'string' || typeof digest !== 'string' || !DIGEST.test(digest) || typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) {
    return undefined;
  }
  if (artifactType !== undefined && typeof artifactType !== 'string') {
    return undefined;
  }
  return { mediaType, digest, size, artifactType };
}

/** What kind of signature an artifact type names, if any. */
export function referrerKindOf(artifactType: string | undefined): ReferrerKind | undefined {
  if (artifactType === undefined) {
    return undefined;
  }
  if (artifactType === NOTATION_ARTIFACT_TYPE) {
    return 'notation';
  }
  return artifactType.startsWith(SIGSTORE_BUNDLE_ARTIFACT_PREFIX) ? 'bundle' : undefined;
}

/**
 * The descriptors of a referrers index. A descriptor without an artifactType
 * is kept: the fallback index some pushers maintain leaves it out, and the
 * manifest then tells.
 */
export function parseReferrersIndex(bytes: Uint8Array): Result<readonly Descriptor[], string> {
  const index = parseJsonObject(bytes);
  if (index === undefined || index['schemaVersion'] !== 2 || !Array.isArray(index['manifests'])) {
    return err('the referrers index is not an OCI image index (schemaVersion 2 with manifests)');
  }
  const manifests = index['manifests'];
  if (manifests.length > MAX_REFERRERS) {
    return err(`the referrers index lists ${manifests.length} manifests (at most ${MAX_REFERRERS} are read)`);
  }
  const descriptors: Descriptor[] = [];
  for (const entry of manifests) {
    const descriptor = readDescriptor(entry);
    if (descriptor === undefined) {
      return err('the referrers index has a descriptor without a sha256 digest, media type or size');
    }
    descriptors.push(descriptor);
  }
  return ok(descriptors);
}

/**
 * A referrer manifest of a signature kind for `subject`, or why not. The
 * subject is checked here: a registry may resolve the fallback tag to the
 * image itself (oras-go#1396), and a referrer of another image is no
 * signature of this one.
 */
export function parseReferrerManifest(bytes: Uint8Array, subject: string): Result<Referrer | undefined, string> {
  const manifest = parseJsonObject(bytes);
  if (manifest === undefined || manifest['schemaVersion'] !== 2) {
    return err('the referrer is not an OCI manifest (schemaVersion 2)');
  }
  const config = isObject(manifest['config']) ? manifest['config'] : undefined;
  // Notation writes config media type `application/vnd.cncf.notary.signature` for registries without artifactType.
  const artifactType = typeof manifest['artifactType'] === 'string' ? manifest['artifactType'] : typeof config?.['mediaType'] === 'string' ? config['mediaType'] : undefined;
  const kind = referrerKindOf(artifactType);
  if (kind === undefined) {
    return ok(undefined);
  }
  const subjectDescriptor = readDescriptor(manifest['subject']);
  if (subjectDescriptor === undefined || subjectDescriptor.digest !== subject) {
    return err(`the ${kind === 'bundle' ? 'Sigstore bundle' : 'Notation signature'} manifest's subject is not ${subject}`);
  }
  const layers = manifest['layers'];
  if (!Array.isArray(layers) || layers.length === 0) {
    return err('the signature manifest has no layers');
  }
  const layer = readDescriptor(layers[0]);
  if (layer === undefined) {
    return err('the signature manifest has a layer without a sha256 digest, media type or size');
  }
  if (layer.size > MAX_SIGNATURE_BLOB_BYTES) {
    return err(`the signature layer is ${layer.size} bytes (at most ${MAX_SIGNATURE_BLOB_BYTES})`);
  }
  return ok({ kind, layer, layerCount: layers.length });
}
