/**
 * Verifies one legacy cosign key-based signature: a layer of a
 * `sha256-<hex>.sig` manifest, whose blob is a "simple signing" payload and
 * whose `dev.cosignproject.cosign/signature` annotation is the base64
 * signature over that blob (docs/signature-systems.md §2).
 *
 * Pure like
 * src/notary/core (docs/house-style.md rule 1): bytes in, a value out, no I/O
 * and no clock.
 *
 * What cosign does and this module follows (cosign:`pkg/cosign/verify.go`,
 * cosign:`pkg/signature/keys.go` LoadPublicKeyRaw, sigstore:
 * `pkg/signature/verifier.go` LoadVerifier):
 * - the signature covers the exact blob bytes, never a re-serialisation;
 * - the key's type decides the scheme, no algorithm is recorded: ECDSA with an
 *   ASN.1 DER signature, RSA PKCS#1 v1.5, Ed25519 pure (no pre-hash);
 * - ECDSA and RSA hash with the algorithm cosign is given
 *   (`--signature-digest-algorithm`, default SHA-256), whatever the curve: a
 *   P-384 key signs a SHA-256 digest unless the signer chose otherwise;
 * - `critical.image.docker-manifest-digest` must equal the tag's digest
 *   (docs/signature-systems.md §6: a valid signature signs some payload, not
 *   necessarily this image's).
 */
import { createPublicKey, timingSafeEqual, verify, type AsymmetricKeyDetails, type KeyObject } from 'node:crypto';

import { sha256Hex } from '../../lib/digest.js';
import { err, ok, type Result } from '../../lib/result.js';
import { hasCaseVariant, isObject } from '../../lib/go-json-fields.js';

/** Why a signature did not verify; a closed list (docs/house-style.md rule 2). */
export const SIMPLE_SIGNING_FAILURE_CODES = ['PAYLOAD_TOO_LARGE', 'MALFORMED_SIGNATURE', 'BAD_SIGNATURE', 'MALFORMED_PAYLOAD', 'WRONG_TYPE', 'DIGEST_MISMATCH'] as const;
export type SimpleSigningFailureCode = (typeof SIMPLE_SIGNING_FAILURE_CODES)[number];

/** Why a configured public key cannot be used; a closed list. */
export const COSIGN_KEY_FAILURE_CODES = ['MALFORMED_KEY', 'UNSUPPORTED_KEY'] as const;
export type CosignKeyFailureCode = (typeof COSIGN_KEY_FAILURE_CODES)[number];

export interface Failure<C extends string> {
  readonly code: C;
  readonly detail: string;
}

/** The layer media type of a simple-signing blob (cosign:`pkg/types/media.go`). */
export const SIMPLE_SIGNING_MEDIA_TYPE = 'application/vnd.dev.cosign.simplesigning.v1+json';
/** The one `critical.type` cosign writes and accepts (sigstore:`pkg/signature/payload/payload.go`). */
export const COSIGN_SIGNATURE_TYPE = 'cosign container image signature';
/**
 * Bound on the blob (docs/house-style.md rule 6). cosign's payloads are a few
 * hundred bytes; annotations (`-a key=value`) make them larger, never near this.
 */
export const MAX_PAYLOAD_BYTES = 64 * 1024;
/** Bound on the base64 signature: RSA-8192 is 1024 bytes, 1368 characters. */
const MAX_SIGNATURE_BASE64_CHARS = 2048;
/** Below this RSA is refused: a configuration mistake, not a key to trust. */
const MIN_RSA_BITS = 2048;

export type DigestAlgorithm = 'sha256' | 'sha384' | 'sha512';
export type CosignKeyType = 'ecdsa-p256' | 'ecdsa-p384' | 'rsa' | 'ed25519';

/** A trusted public key, parsed once when the policy is read. */
export interface CosignPublicKey {
  readonly type: CosignKeyType;
  /** Lower-case hex SHA-256 of the key's SPKI DER: the key's identity in reports (cosign's key hint is its base64). */
  readonly fingerprint: string;
  readonly keyObject: KeyObject;
}

export interface VerifiedSimpleSigning {
  readonly keyFingerprint: string;
  readonly keyType: CosignKeyType;
  /** `critical.identity.docker-reference`: reported, never required to match (docs/signature-systems.md §2). */
  readonly dockerReference: string;
  /** The payload's `optional` object (cosign's `-a` annotations), or null when absent or null. */
  readonly annotations: Readonly<Record<string, unknown>> | null;
}

export interface SimpleSigningInput {
  /** The layer blob, exactly as the registry served it. */
  readonly payload: Uint8Array;
  /** The `dev.cosignproject.cosign/signature` annotation. */
  readonly signatureBase64: string;
  readonly key: CosignPublicKey;
  /** The digest the tag resolves to, `sha256:<64 lower-case hex>`. */
  readonly expectedDigest: string;
  /** The hash of ECDSA and RSA signatures; cosign's default is SHA-256. Ignored for Ed25519. */
  readonly digestAlgorithm?: DigestAlgorithm;
}

const DIGEST_PATTERN = /^sha256:[0-9a-f]{64}$/;
const PEM_PUBLIC_KEY = /^-----BEGIN PUBLIC KEY-----\r?\n([A-Za-z0-9+/=\r\n]+)-----END PUBLIC KEY-----\r?\n?$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * Parses a PEM `PUBLIC KEY` (SPKI) as cosign's key files hold it. Anything
 * else — a certificate, a private key, a second block — is refused rather than
 * guessed at, although node:crypto would derive a public key from some of them.
 */
export function parseCosignPublicKey(pem: string): Result<CosignPublicKey, Failure<CosignKeyFailureCode>> {
  const match = PEM_PUBLIC_KEY.exec(pem.trim() + '\n');
  const body = match?.[1]?.replace(/\r?\n/g, '');
  if (body === undefined || !isCanonicalBase64(body)) return err({ code: 'MALFORMED_KEY', detail: 'not a single PEM PUBLIC KEY block' });
  const der = Buffer.from(body, 'base64');
  let keyObject: KeyObject;
  try {
    keyObject = createPublicKey({ key: der, format: 'der', type: 'spki' });
  } catch (error) {
    return err({ code: 'MALFORMED_KEY', detail: `not a SubjectPublicKeyInfo: ${(error as Error).message}` });
  }
  const type = keyTypeOf(keyObject);
  if (typeof type !== 'string') return err(type);
  return ok({ type, fingerprint: sha256Hex(der), keyObject });
}

function keyTypeOf(keyObject: KeyObject): CosignKeyType | Failure<'UNSUPPORTED_KEY'> {
  // Set for every EC, RSA and Ed25519 key node:crypto imports.
  const details = keyObject.asymmetricKeyDetails as AsymmetricKeyDetails;
  switch (keyObject.asymmetricKeyType) {
    case 'ec':
      if (details.namedCurve === 'prime256v1') return 'ecdsa-p256';
      if (details.namedCurve === 'secp384r1') return 'ecdsa-p384';
      return { code: 'UNSUPPORTED_KEY', detail: `EC curve ${String(details.namedCurve)} (P-256 and P-384 are supported)` };
    case 'rsa':
      if (Number(details.modulusLength) >= MIN_RSA_BITS) return 'rsa';
      return { code: 'UNSUPPORTED_KEY', detail: `RSA key of ${String(details.modulusLength)} bits (at least ${MIN_RSA_BITS})` };
    case 'ed25519':
      return 'ed25519';
    default:
      return { code: 'UNSUPPORTED_KEY', detail: `key type ${String(keyObject.asymmetricKeyType)}` };
  }
}

/**
 * Verifies the signature, then reads the payload it covers. The payload is
 * parsed only once the signature holds, so unauthenticated bytes never reach
 * the JSON parser.
 *
 * @throws TypeError when `expectedDigest` is not `sha256:<64 lower-case hex>`:
 * the caller's digest comes from the registry client, which checks it.
 */
export function verifySimpleSigning(input: SimpleSigningInput): Result<VerifiedSimpleSigning, Failure<SimpleSigningFailureCode>> {
  if (!DIGEST_PATTERN.test(input.expectedDigest)) throw new TypeError(`expected digest is not sha256:<64 lower-case hex>: ${input.expectedDigest}`);
  if (input.payload.byteLength > MAX_PAYLOAD_BYTES) return err({ code: 'PAYLOAD_TOO_LARGE', detail: `${input.payload.byteLength} bytes (at most ${MAX_PAYLOAD_BYTES})` });
  const signature = input.signatureBase64;
  if (signature.length === 0 || signature.length > MAX_SIGNATURE_BASE64_CHARS || !isCanonicalBase64(signature)) {
    return err({ code: 'MALFORMED_SIGNATURE', detail: 'the signature annotation is not canonical base64 of a plausible length' });
  }
  const { key } = input;
  const algorithm = key.type === 'ed25519' ? null : (input.digestAlgorithm ?? 'sha256');
  // ECDSA signatures are DER (node:crypto's default dsaEncoding); RSA keys use PKCS#1 v1.5 by default.
  // Undecodable signatures (bad DER, wrong length) make verify() return false, not throw.
  if (!verify(algorithm, input.payload, key.keyObject, Buffer.from(signature, 'base64'))) return err({ code: 'BAD_SIGNATURE', detail: `not signed by key ${key.fingerprint}` });
  return readPayload(input.payload, input.expectedDigest, key);
}

function readPayload(payload: Uint8Array, expectedDigest: string, key: CosignPublicKey): Result<VerifiedSimpleSigning, Failure<SimpleSigningFailureCode>> {
  const malformed = (detail: string) => err({ code: 'MALFORMED_PAYLOAD' as const, detail });
  let document: unknown;
  try {
    // fatal: invalid UTF-8 is refused, not replaced; ignoreBOM: a BOM stays and JSON.parse refuses it, as Go's encoding/json does.
    document = JSON.parse(new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(payload));
  } catch {
    return malformed('not UTF-8 JSON');
  }
  // Go's encoding/json matches field names case-insensitively, so cosign would
  // read `Critical` as `critical`; a case variant is refused so that both read
  // the same field. Exact duplicate keys are not detected (JSON.parse keeps the
  // last, as Go does, so both still agree).
  if (!isObject(document) || hasCaseVariant(document, ['critical', 'optional'])) return malformed('the payload is not an object with `critical`');
  const { critical, optional } = document;
  if (!isObject(critical) || hasCaseVariant(critical, ['identity', 'image', 'type'])) return malformed('`critical` is not an object');
  const { identity, image, type } = critical;
  if (!isObject(identity) || hasCaseVariant(identity, ['docker-reference']) || typeof identity['docker-reference'] !== 'string') {
    return malformed('`critical.identity.docker-reference` is not a string');
  }
  if (!isObject(image) || hasCaseVariant(image, ['docker-manifest-digest'])) return malformed('`critical.image` is not an object');
  const digest = image['docker-manifest-digest'];
  if (typeof digest !== 'string' || !DIGEST_PATTERN.test(digest)) return malformed('`critical.image.docker-manifest-digest` is not sha256:<64 lower-case hex>');
  let annotations: Readonly<Record<string, unknown>> | null = null;
  if (isObject(optional)) annotations = optional;
  else if (optional !== undefined && optional !== null) return malformed('`optional` is neither an object nor null');
  if (type !== COSIGN_SIGNATURE_TYPE) return err({ code: 'WRONG_TYPE', detail: `critical.type is ${JSON.stringify(type)}` });
  // Both strings matched DIGEST_PATTERN, so they have the same length (docs/house-style.md rule 6).
  if (!timingSafeEqual(Buffer.from(digest), Buffer.from(expectedDigest))) return err({ code: 'DIGEST_MISMATCH', detail: `the payload signs ${digest}` });
  return ok({ keyFingerprint: key.fingerprint, keyType: key.type, dockerReference: identity['docker-reference'], annotations });
}

/** Padded standard base64 that decodes and re-encodes to itself (no stray bits, whitespace or URL alphabet). */
function isCanonicalBase64(text: string): boolean {
  return BASE64.test(text) && Buffer.from(text, 'base64').toString('base64') === text;
}
