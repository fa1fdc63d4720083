/**
 * Reads the manifest behind a legacy cosign `sha256-<hex>.sig` tag: which
 * simple-signing layers it holds, with the annotations their verification
 * needs, and checks that a fetched blob is the one a layer names
 * (docs/signature-systems.md §2).
 *
 * Pure like
 * src/notary/core (docs/house-style.md rule 1): bytes in, a value out, no I/O
 * and no clock. Trust data, so parsed strictly (rule 5): a manifest cosign
 * could not have written is refused as a whole, never half-read.
 */
import { timingSafeEqual } from 'node:crypto';

import { sha256Hex } from '../../lib/digest.js';
import { err, ok, type Result } from '../../lib/result.js';
import { hasCaseVariant, isObject } from '../../lib/go-json-fields.js';
import { SIMPLE_SIGNING_MEDIA_TYPE, type Failure } from './simple-signing.js';

/** Why a `.sig` manifest cannot be read; a closed list (docs/house-style.md rule 2). */
export const SIG_MANIFEST_FAILURE_CODES = [
  'MANIFEST_TOO_LARGE',
  'MALFORMED_MANIFEST',
  'UNSUPPORTED_MEDIA_TYPE',
  'TOO_MANY_LAYERS',
  'MALFORMED_LAYER',
  'MISSING_SIGNATURE',
  'ANNOTATION_TOO_LARGE',
] as const;
export type SigManifestFailureCode = (typeof SIG_MANIFEST_FAILURE_CODES)[number];

/**
 * cosign writes an OCI image manifest, or Docker schema 2 when
 * `COSIGN_DOCKER_MEDIA_TYPES=1` (docs/signature-systems.md §2); go-containerregistry
 * always records the `mediaType`, so a manifest without it is not cosign's.
 */
export const SIG_MANIFEST_MEDIA_TYPES = ['application/vnd.oci.image.manifest.v1+json', 'application/vnd.docker.distribution.manifest.v2+json'] as const;

/** The layer annotations cosign writes (cosign:`pkg/oci/static/signature.go`, docs/signature-systems.md §2). */
export const SIGNATURE_ANNOTATION = 'dev.cosignproject.cosign/signature';
export const CERTIFICATE_ANNOTATION = 'dev.sigstore.cosign/certificate';
export const CHAIN_ANNOTATION = 'dev.sigstore.cosign/chain';
export const BUNDLE_ANNOTATION = 'dev.sigstore.cosign/bundle';
export const RFC3161_TIMESTAMP_ANNOTATION = 'dev.sigstore.cosign/rfc3161timestamp';

/** Bound on the manifest (docs/house-style.md rule 6): 64 layers of 64 KiB annotations would not fit, a real one is a few KiB. */
export const MAX_MANIFEST_BYTES = 1024 * 1024;
/**
 * Bound on the layers: cosign appends one layer per signature to the same
 * `.sig` manifest, so the count grows with each signer or re-signing; 64 is
 * far above any real image's signers yet keeps the verification work bounded.
 */
export const MAX_LAYERS = 64;
/** Bound on one annotation value, in UTF-8 bytes: a certificate chain is a few KiB, a Rekor bundle about 5 KiB. */
export const MAX_ANNOTATION_BYTES = 64 * 1024;

/** One simple-signing layer of a `.sig` manifest, as the verifier needs it. */
export interface SigLayer {
  /** The blob's digest, `sha256:<64 lower-case hex>`. */
  readonly digest: string;
  /** The blob's size in bytes. */
  readonly size: number;
  /** The `dev.cosignproject.cosign/signature` annotation: base64 signature over the blob. */
  readonly signatureBase64: string;
  /** `dev.sigstore.cosign/certificate`: PEM leaf certificate (keyless or certificate-based signing). */
  readonly certificatePem?: string;
  /** `dev.sigstore.cosign/chain`: PEM intermediates, possibly the root. */
  readonly chainPem?: string;
  /** `dev.sigstore.cosign/bundle`: JSON Rekor entry. */
  readonly bundleJson?: string;
  /** `dev.sigstore.cosign/rfc3161timestamp`: JSON-wrapped RFC 3161 timestamp response. */
  readonly rfc3161TimestampJson?: string;
}

export interface SigManifest {
  /** The simple-signing layers, in manifest order. */
  readonly layers: readonly SigLayer[];
  /** Layers of any other media type: not signatures cosign would check, so skipped and counted. */
  readonly skippedLayers: number;
}

const DIGEST_PATTERN = /^sha256:[0-9a-f]{64}$/;
const SIG_TAG_PATTERN = /^sha256-([0-9a-f]{64})\.sig$/;
const OPTIONAL_ANNOTATIONS = [
  [CERTIFICATE_ANNOTATION, 'certificatePem'],
  [CHAIN_ANNOTATION, 'chainPem'],
  [BUNDLE_ANNOTATION, 'bundleJson'],
  [RFC3161_TIMESTAMP_ANNOTATION, 'rfc3161TimestampJson'],
] as const;

/**
 * The tag cosign stores an image's signatures under (cosign:`pkg/oci/remote/remote.go`).
 *
 * @throws TypeError when `digest` is not `sha256:<64 lower-case hex>`: the
 * caller's digest comes from the registry client, which checks it.
 */
export function sigTagFor(digest: string): string {
  if (!DIGEST_PATTERN.test(digest)) throw new TypeError(`digest is not sha256:<64 lower-case hex>: ${digest}`);
  return `sha256-${digest.slice('sha256:'.length)}.sig`;
}

/** The image digest a `.sig` tag names, or undefined for any other tag (`.att`, `.sbom`, upper-case hex, other lengths). */
export function digestOfSigTag(tag: string): string | undefined {
  const hex = SIG_TAG_PATTERN.exec(tag)?.[1];
  return hex === undefined ? undefined : `sha256:${hex}`;
}

/** Parses a `.sig` tag's manifest into its simple-signing layers. */
export function parseSigManifest(bytes: Uint8Array): Result<SigManifest, Failure<SigManifestFailureCode>> {
  if (bytes.byteLength > MAX_MANIFEST_BYTES) return err({ code: 'MANIFEST_TOO_LARGE', detail: `${bytes.byteLength} bytes (at most ${MAX_MANIFEST_BYTES})` });
  const malformed = (detail: string) => err({ code: 'MALFORMED_MANIFEST' as const, detail });
  let document: unknown;
  try {
    // fatal: invalid UTF-8 is refused, not replaced; ignoreBOM: a BOM stays and JSON.parse refuses it, as Go's encoding/json does.
    document = JSON.parse(new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes));
  } catch {
    return malformed('not UTF-8 JSON');
  }
  // go-containerregistry decodes with Go's encoding/json, which matches field
  // names case-insensitively; a case variant is refused so both read the same field.
  if (!isObject(document) || hasCaseVariant(document, ['schemaVersion', 'mediaType', 'layers'])) return malformed('not an object');
  if (document.schemaVersion !== 2) return malformed('schemaVersion is not 2');
  const { mediaType, layers } = document;
  if (!SIG_MANIFEST_MEDIA_TYPES.some((known) => known === mediaType)) return err({ code: 'UNSUPPORTED_MEDIA_TYPE', detail: `mediaType ${JSON.stringify(mediaType)}` });
  if (!Array.isArray(layers)) return malformed('`layers` is not an array');
  if (layers.length > MAX_LAYERS) return err({ code: 'TOO_MANY_LAYERS', detail: `${layers.length} layers (at most ${MAX_LAYERS})` });
  const sigLayers: SigLayer[] = [];
  let skippedLayers = 0;
  for (const [index, layer] of layers.entries()) {
    const parsed = parseLayer(layer, index);
    if (!parsed.ok) return parsed;
    if (parsed.value === null) skippedLayers += 1;
    else sigLayers.push(parsed.value);
  }
  return ok({ layers: sigLayers, skippedLayers });
}

/** One layer descriptor: a SigLayer, or null when it is not a simple-signing layer. */
function parseLayer(layer: unknown, index: number): Result<SigLayer | null, Failure<SigManifestFailureCode>> {
  const malformed = (detail: string) => err({ code: 'MALFORMED_LAYER' as const, detail: `layer ${index}: ${detail}` });
  if (!isObject(layer) || hasCaseVariant(layer, ['mediaType', 'digest', 'size', 'annotations'])) return malformed('not an object');
  const { mediaType, digest, size, annotations } = layer;
  if (typeof mediaType !== 'string') return malformed('`mediaType` is not a string');
  if (mediaType !== SIMPLE_SIGNING_MEDIA_TYPE) return ok(null);
  if (typeof digest !== 'string' || !DIGEST_PATTERN.test(digest)) return malformed('`digest` is not sha256:<64 lower-case hex>');
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) return malformed('`size` is not a non-negative integer');
  if (annotations === undefined || annotations === null) return err({ code: 'MISSING_SIGNATURE', detail: `layer ${index}: no annotations` });
  if (!isObject(annotations)) return malformed('`annotations` is not an object');
  const signature = annotationOf(annotations, SIGNATURE_ANNOTATION, index);
  if (!signature.ok) return signature;
  if (signature.value === undefined || signature.value === '') return err({ code: 'MISSING_SIGNATURE', detail: `layer ${index}: no ${SIGNATURE_ANNOTATION}` });
  const sigLayer: { -readonly [K in keyof SigLayer]: SigLayer[K] } = { digest, size, signatureBase64: signature.value };
  for (const [name, field] of OPTIONAL_ANNOTATIONS) {
    const value = annotationOf(annotations, name, index);
    if (!value.ok) return value;
    if (value.value !== undefined) sigLayer[field] = value.value;
  }
  return ok(sigLayer);
}

function annotationOf(annotations: Record<string, unknown>, name: string, index: number): Result<string | undefined, Failure<SigManifestFailureCode>> {
  const value = annotations[name];
  if (value === undefined) return ok(undefined);
  if (typeof value !== 'string') return err({ code: 'MALFORMED_LAYER', detail: `layer ${index}: ${name} is not a string` });
  const length = Buffer.byteLength(value, 'utf8');
  if (length > MAX_ANNOTATION_BYTES) return err({ code: 'ANNOTATION_TOO_LARGE', detail: `layer ${index}: ${name} is ${length} bytes (at most ${MAX_ANNOTATION_BYTES})` });
  return ok(value);
}

/**
 * True when the blob is exactly the one the layer names: same size, same
 * SHA-256 (compared in constant time, docs/house-style.md rule 6). The caller
 * checks this before verifying, so it never verifies a payload the manifest
 * does not name.
 */
export function blobMatches(layer: SigLayer, blobBytes: Uint8Array): boolean {
  if (blobBytes.byteLength !== layer.size) return false;
  const actual = Buffer.from(`sha256:${sha256Hex(blobBytes)}`);
  const expected = Buffer.from(layer.digest);
  // A layer built by hand may hold a digest of another length; timingSafeEqual throws on unequal lengths.
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}
