/**
 * One verdict per cosign signature of an image digest: a legacy `.sig` layer
 * (key or keyless) or a Sigstore bundle (cosign 3's referrer), judged against
 * the policy's keys, keyless identities and trusted root
 * (docs/signature-systems.md §1–§3).
 *
 * Pure (docs/house-style.md rule 1): bytes in, a verdict out, no I/O and no
 * clock — a certificate is judged at the time a transparency log or a
 * timestamp authority vouches for, never at "now".
 *
 * What `@sigstore/verify` checks: the Fulcio chain to a CA of the trusted root
 * at the trusted time, the embedded SCTs, the Rekor entry (SET or inclusion
 * proof with its checkpoint) and that its body carries this signature and
 * digest, RFC 3161 timestamps, and the signature itself. What it does not and
 * this module adds: the subject of a DSSE in-toto statement and the digest of
 * a simple-signing payload or message signature must be the image's; the
 * signer's identity is matched here, anchored (identity.ts); the media type is
 * one of the four bundle versions; sizes are bounded; and every outcome is one
 * of the closed codes below.
 */
import { createPublicKey, timingSafeEqual } from 'node:crypto';

import { bundleFromJSON, BUNDLE_V01_MEDIA_TYPE, BUNDLE_V02_MEDIA_TYPE, BUNDLE_V03_LEGACY_MEDIA_TYPE, BUNDLE_V03_MEDIA_TYPE, type Bundle } from '@sigstore/bundle';
import { X509Certificate } from '@sigstore/core';
import { toSignedEntity, VerificationError, Verifier, type SignedEntity, type Signer, type TrustMaterial, type VerifierOptions } from '@sigstore/verify';

import { sha256Hex } from '../../lib/digest.js';
import { hasCaseVariant, isObject } from '../../lib/go-json-fields.js';
import { matchIdentity, type IdentityMatcher } from './identity.js';
import { blobMatches, type SigLayer } from './sig-manifest.js';
import { parseCosignPublicKey, verifySimpleSigning, type CosignPublicKey, type SimpleSigningFailureCode } from './simple-signing.js';
import type { TrustedRootMaterial } from './trusted-root.js';

export type SignatureCheckStatus = 'verified' | 'invalid' | 'untrusted' | 'expired';

/** Why a signature is not `verified`; a closed list (docs/house-style.md rule 2). */
export const COSIGN_FAILURE_CODES = [
  // invalid: the signature is bad, malformed, or signs something else
  'PAYLOAD_TOO_LARGE',
  'MALFORMED_SIGNATURE',
  'BAD_SIGNATURE',
  'MALFORMED_PAYLOAD',
  'WRONG_TYPE',
  'DIGEST_MISMATCH',
  'BLOB_MISMATCH',
  'BUNDLE_TOO_LARGE',
  'MALFORMED_BUNDLE',
  'UNSUPPORTED_BUNDLE',
  'MALFORMED_CERTIFICATE',
  'MALFORMED_TLOG_ENTRY',
  'MALFORMED_STATEMENT',
  'WRONG_PAYLOAD_TYPE',
  'MANIFEST_NEEDED',
  'TLOG_INVALID',
  'TIMESTAMP_INVALID',
  // untrusted: possibly valid, but not by what the policy trusts
  'NO_MATCHING_KEY',
  'NO_TRUSTED_ROOT',
  'UNTRUSTED_CHAIN',
  'UNTRUSTED_IDENTITY',
  'TLOG_MISSING',
  'NO_TRUSTED_TIME',
  // expired
  'CERTIFICATE_EXPIRED',
] as const;
export type CosignFailureCode = (typeof COSIGN_FAILURE_CODES)[number];

export interface SignatureCheck {
  readonly status: SignatureCheckStatus;
  /** A closed code, null when verified. */
  readonly code: CosignFailureCode | null;
  /** One line, for a human. */
  readonly detail: string;
  /** `key <sha256 fingerprint of the SPKI>` or `<issuer> <subject>`; null when not known. */
  readonly signer: string | null;
  /** The leaf certificate's notAfter, ISO 8601, for keyless signatures. */
  readonly certificateNotAfter: string | null;
}

export interface CosignPolicy {
  readonly keys: readonly CosignPublicKey[];
  readonly identities: readonly IdentityMatcher[];
  /** Needed for keyless signatures and to check a transparency log entry; undefined when the policy has none. */
  readonly trustedRoot: TrustedRootMaterial | undefined;
  /**
   * A signature without a verified Rekor entry is not `verified`; it is
   * `untrusted` (TLOG_MISSING), not `invalid`: nothing shows it is bad, the
   * policy only asks for a public record it does not have — the tag maps to
   * `unsigned` with that reason, as an unknown signer does.
   */
  readonly requireTlog: boolean;
}

/** Bound on a bundle (docs/house-style.md rule 6): a keyless DSSE bundle with an inclusion proof is about 10 KiB. */
export const MAX_BUNDLE_BYTES = 256 * 1024;
/** Bound on a statement's subjects: cosign writes one; a build provenance lists a few hundred at most. */
export const MAX_STATEMENT_SUBJECTS = 1024;

const DIGEST_PATTERN = /^sha256:[0-9a-f]{64}$/;
const BUNDLE_MEDIA_TYPES: readonly string[] = [BUNDLE_V01_MEDIA_TYPE, BUNDLE_V02_MEDIA_TYPE, BUNDLE_V03_LEGACY_MEDIA_TYPE, BUNDLE_V03_MEDIA_TYPE];
const IN_TOTO_PAYLOAD_TYPE = 'application/vnd.in-toto+json';
const PEM_CERTIFICATE = /^-----BEGIN CERTIFICATE-----\r?\n([A-Za-z0-9+/=\r\n]+)-----END CERTIFICATE-----\r?\n?$/;
/** For a key-based signature under a policy without a trusted root: nothing to check a log entry against. */
const EMPTY_TRUST: Omit<TrustMaterial, 'publicKey'> = { certificateAuthorities: [], tlogs: [], ctlogs: [], timestampAuthorities: [] };

type Outcome = SignatureCheck;
const fail = (
  status: Exclude<SignatureCheckStatus, 'verified'>,
  code: CosignFailureCode,
  detail: string,
  signer: string | null = null,
  certificateNotAfter: string | null = null
): Outcome => ({
  status,
  code,
  detail,
  signer,
  certificateNotAfter,
});
const invalid = (code: CosignFailureCode, detail: string) => fail('invalid', code, detail);

function requireDigest(digest: string): void {
  if (!DIGEST_PATTERN.test(digest)) throw new TypeError(`digest is not sha256:<64 lower-case hex>: ${digest}`);
}

/**
 * Verifies one layer of a `.sig` manifest with its blob: by a configured key
 * when the layer has no certificate, else keyless (certificate, Rekor SET or
 * RFC 3161 timestamp) through the same verifier as bundles.
 *
 * @throws TypeError when `digest` is not `sha256:<64 lower-case hex>` (the
 * registry client checks it).
 */
export function verifySigLayer(layer: SigLayer, blob: Uint8Array, digest: string, policy: CosignPolicy): SignatureCheck {
  requireDigest(digest);
  if (!blobMatches(layer, blob)) return invalid('BLOB_MISMATCH', `the blob is not ${layer.digest} of ${layer.size} bytes`);
  return layer.certificatePem === undefined ? verifyKeyLayer(layer, blob, digest, policy) : verifyKeylessLayer(layer, layer.certificatePem, blob, digest, policy);
}

function verifyKeyLayer(layer: SigLayer, blob: Uint8Array, digest: string, policy: CosignPolicy): Outcome {
  let matched: CosignPublicKey | undefined;
  for (const key of policy.keys) {
    const result = verifySimpleSigning({ payload: blob, signatureBase64: layer.signatureBase64, key, expectedDigest: digest });
    if (result.ok) {
      matched = key;
      break;
    }
    // Anything but a bad signature is the layer's fault whatever the key; a bad signature may just be another key's.
    if (result.error.code !== 'BAD_SIGNATURE') return invalid(result.error.code, result.error.detail);
  }
  if (matched === undefined) return fail('untrusted', 'NO_MATCHING_KEY', `none of the ${policy.keys.length} configured keys verifies the signature (another key's, or a damaged one)`);
  const signer = `key ${matched.fingerprint}`;
  // cosign checks the Rekor entry of the bundle annotation offline when there is one (cosign:`pkg/cosign/verify.go` VerifyBundle).
  if (layer.bundleJson === undefined) {
    return policy.requireTlog ? fail('untrusted', 'TLOG_MISSING', 'the policy requires a transparency log entry and the layer has none', signer) : verified(signer, null);
  }
  // Without a trusted root the Rekor key is unknown: the entry is ignored unless the policy requires it.
  if (policy.trustedRoot === undefined) {
    return policy.requireTlog
      ? fail('untrusted', 'NO_TRUSTED_ROOT', 'the policy requires a transparency log entry and configures no trusted root to check it', signer)
      : verified(signer, null);
  }
  const bundle = legacyBundle(layer, blob, { publicKey: { hint: '' } });
  if ('status' in bundle) return bundle;
  // The signature was verified above by the key's own scheme; @sigstore/verify would hash Ed25519 with SHA-256
  // (and fail), so only its log checks run here: the body must still carry this signature and digest.
  const outcome = runVerifier(bundle, Buffer.from(blob), policy.trustedRoot.trustMaterial, keyFinderFor(matched), { tlogThreshold: 1, timestampThreshold: 0 }, false, true);
  return 'status' in outcome ? { ...withoutTimes(outcome), signer } : verified(signer, null);
}

function verifyKeylessLayer(layer: SigLayer, certificatePem: string, blob: Uint8Array, digest: string, policy: CosignPolicy): Outcome {
  const parsed = parseCertificatePem(certificatePem);
  if (parsed === undefined) return invalid('MALFORMED_CERTIFICATE', 'the certificate annotation is not one PEM certificate');
  const { der, certificate: leaf } = parsed;
  const notAfter = leaf.notAfter.toISOString();
  // The payload's own checks (signature by the certificate's key, type, digest) first, with the key path's codes.
  const key = parseCosignPublicKey(createPublicKey({ key: leaf.publicKey, format: 'der', type: 'spki' }).export({ format: 'pem', type: 'spki' }).toString());
  if (!key.ok) return fail('invalid', 'MALFORMED_CERTIFICATE', `the certificate's key: ${key.error.detail}`, null, notAfter);
  const payload = verifySimpleSigning({ payload: blob, signatureBase64: layer.signatureBase64, key: key.value, expectedDigest: digest });
  if (!payload.ok) return fail('invalid', payload.error.code satisfies SimpleSigningFailureCode, payload.error.detail, null, notAfter);
  // Rewritten as a v0.1 bundle (leaf, inclusion promise, body): the same checks as cosign's VerifyBundle and
  // ValidateAndUnpackCert. The chain annotation is not used: the intermediates that count are the trusted root's.
  const bundle = legacyBundle(layer, blob, { x509CertificateChain: { certificates: [{ rawBytes: der.toString('base64') }] } });
  if ('status' in bundle) return { ...bundle, certificateNotAfter: notAfter };
  return verifyKeyless(bundle, Buffer.from(blob), policy);
}

/** Verifies a Sigstore bundle (v0.1–v0.3 JSON) for the image digest. `manifest`: the image manifest's bytes, needed only for a message-signature bundle, which signs them. */
export function verifyBundle(bundleBytes: Uint8Array, digest: string, policy: CosignPolicy, manifest?: Uint8Array): SignatureCheck {
  requireDigest(digest);
  if (bundleBytes.byteLength > MAX_BUNDLE_BYTES) return invalid('BUNDLE_TOO_LARGE', `${bundleBytes.byteLength} bytes (at most ${MAX_BUNDLE_BYTES})`);
  let document: unknown;
  try {
    document = JSON.parse(new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bundleBytes));
  } catch {
    return invalid('MALFORMED_BUNDLE', 'not UTF-8 JSON');
  }
  const mediaType = isObject(document) ? document.mediaType : undefined;
  if (typeof mediaType !== 'string' || !BUNDLE_MEDIA_TYPES.includes(mediaType)) return invalid('UNSUPPORTED_BUNDLE', `mediaType ${JSON.stringify(mediaType)}`);
  let bundle: Bundle;
  try {
    bundle = bundleFromJSON(document);
  } catch (error) {
    return invalid('MALFORMED_BUNDLE', (error as Error).message);
  }
  let artifact: Buffer | undefined;
  if (bundle.content.$case === 'messageSignature') {
    // A message signature signs an artifact: here the manifest, whose digest is the image's (docs/signature-systems.md §3).
    const { messageDigest } = bundle.content.messageSignature;
    if (messageDigest === undefined || !sameBytes(messageDigest.digest, Buffer.from(digest.slice('sha256:'.length), 'hex'))) {
      return invalid('DIGEST_MISMATCH', 'the message signature signs another digest');
    }
    if (manifest === undefined) return invalid('MANIFEST_NEEDED', 'a message-signature bundle is checked against the manifest bytes, which were not given');
    if (`sha256:${sha256Hex(manifest)}` !== digest) return invalid('DIGEST_MISMATCH', 'the manifest given is not the image digest');
    artifact = Buffer.from(manifest);
  }
  const material = bundle.verificationMaterial.content;
  const outcome = material.$case === 'publicKey' ? verifyKeyBundle(bundle, material.publicKey.hint, artifact, policy) : verifyKeyless(bundle, artifact, policy);
  if (outcome.status !== 'verified' || bundle.content.$case !== 'dsseEnvelope') return outcome;
  // @sigstore/verify checks the envelope's signature, never what the statement names (cosign:`pkg/cosign/verify.go` IntotoSubjectClaimVerifier does).
  const subject = statementNamesDigest(bundle.content.dsseEnvelope.payloadType, bundle.content.dsseEnvelope.payload, digest);
  return subject === null ? outcome : { ...outcome, ...subject };
}

function verifyKeyBundle(bundle: Bundle, hint: string, artifact: Buffer | undefined, policy: CosignPolicy): Outcome {
  // cosign's hint is base64(SHA-256(SPKI DER)) (cosign:`internal/key/svkeypair.go`); a hint naming a configured key tries that key only.
  const hinted = policy.keys.find((key) => Buffer.from(key.fingerprint, 'hex').toString('base64') === hint);
  if (policy.requireTlog && bundle.verificationMaterial.tlogEntries.length === 0)
    return fail('untrusted', 'TLOG_MISSING', 'the policy requires a transparency log entry and the bundle has none');
  const trust = policy.trustedRoot?.trustMaterial;
  // Thresholds 0: a key has no validity to judge at a trusted time, and the log is optional unless the policy requires it.
  const options: VerifierOptions = { tlogThreshold: policy.requireTlog ? 1 : 0, timestampThreshold: 0 };
  for (const key of hinted === undefined ? policy.keys : [hinted]) {
    const outcome = runVerifier(bundle, artifact, trust ?? EMPTY_TRUST, keyFinderFor(key), options, trust === undefined);
    const signer = `key ${key.fingerprint}`;
    if (!('status' in outcome)) return verified(signer, null);
    if (outcome.code !== 'BAD_SIGNATURE' || hinted !== undefined) return { ...withoutTimes(outcome), signer };
  }
  return fail('untrusted', 'NO_MATCHING_KEY', `none of the ${policy.keys.length} configured keys verifies the signature (another key's, or a damaged one)`);
}

function verifyKeyless(bundle: Bundle, artifact: Buffer | undefined, policy: CosignPolicy): Outcome {
  const { tlogEntries, timestampVerificationData } = bundle.verificationMaterial;
  const leaf = leafOf(bundle);
  if (!leaf.ok) return invalid('MALFORMED_CERTIFICATE', leaf.detail);
  const notAfter = leaf.certificate.notAfter.toISOString();
  const failing = (status: Exclude<SignatureCheckStatus, 'verified'>, code: CosignFailureCode, detail: string) => fail(status, code, detail, null, notAfter);
  if (policy.trustedRoot === undefined) return failing('untrusted', 'NO_TRUSTED_ROOT', 'a keyless signature and no trusted root configured');
  if (policy.requireTlog && tlogEntries.length === 0) return failing('untrusted', 'TLOG_MISSING', 'the policy requires a transparency log entry and the signature has none');
  const times = tlogEntries.filter((entry) => entry.integratedTime !== '' && entry.integratedTime !== '0').length + (timestampVerificationData?.rfc3161Timestamps.length ?? 0);
  if (times === 0) return failing('untrusted', 'NO_TRUSTED_TIME', 'no Rekor integrated time and no RFC 3161 timestamp to judge the certificate at');
  // ctlogThreshold 1: cosign requires the embedded SCT unless told --insecure-ignore-sct.
  const outcome = runVerifier(bundle, artifact, policy.trustedRoot.trustMaterial, NO_KEY, {
    tlogThreshold: policy.requireTlog ? 1 : 0,
    timestampThreshold: 1,
    ctlogThreshold: 1,
  });
  if ('status' in outcome) {
    if (outcome.code === 'UNTRUSTED_CHAIN' && outcome.trustedTimes.some((time) => time < leaf.certificate.notBefore || time > leaf.certificate.notAfter)) {
      return failing('expired', 'CERTIFICATE_EXPIRED', `the certificate (${leaf.certificate.notBefore.toISOString()} to ${notAfter}) is not valid at the signing time`);
    }
    return { ...withoutTimes(outcome), certificateNotAfter: notAfter };
  }
  const issuer = outcome.identity?.extensions?.issuer;
  const subject = outcome.identity?.subjectAlternativeName;
  const signer = `${orNone(issuer)} ${orNone(subject)}`;
  if (matchIdentity(policy.identities, issuer, subject) === undefined)
    return fail('untrusted', 'UNTRUSTED_IDENTITY', `${signer} is none of the ${policy.identities.length} configured identities`, signer, notAfter);
  return verified(signer, notAfter);
}

/** The signature content with its comparisons (the log body checks) kept and its own verification already done. */
function alreadyVerified(content: SignedEntity['signature']): SignedEntity['signature'] {
  return {
    signature: content.signature,
    compareSignature: (signature) => content.compareSignature(signature),
    compareDigest: (digest) => content.compareDigest(digest),
    verifySignature: () => true,
  };
}

type VerifierFailure = Outcome & { readonly trustedTimes: readonly Date[] };

function withoutTimes({ status, code, detail, signer, certificateNotAfter }: VerifierFailure): Outcome {
  return { status, code, detail, signer, certificateNotAfter };
}

/** Runs @sigstore/verify without a policy (identities are matched by the caller) and maps its errors to the closed codes. */
function runVerifier(
  bundle: Bundle,
  artifact: Buffer | undefined,
  trust: Omit<TrustMaterial, 'publicKey'>,
  publicKey: TrustMaterial['publicKey'],
  options: VerifierOptions,
  ignoreTlog = false,
  signatureVerified = false
): Signer | VerifierFailure {
  let entity: SignedEntity;
  try {
    entity = toSignedEntity(bundle, artifact);
  } catch (error) {
    // A certificate or an RFC 3161 token that does not decode.
    return { ...invalid('MALFORMED_BUNDLE', (error as Error).message), trustedTimes: [] };
  }
  if (ignoreTlog) entity = { ...entity, tlogEntries: [], timestamps: [] };
  if (signatureVerified) entity = { ...entity, signature: alreadyVerified(entity.signature) };
  const trustedTimes = entity.timestamps.map((timestamp) =>
    timestamp.$case === 'transparency-log' ? new Date(Number(timestamp.tlogEntry.integratedTime) * 1000) : timestamp.timestamp.signingTime
  );
  try {
    return new Verifier({ ...trust, publicKey }, options).verify(entity);
  } catch (error) {
    return { ...mapVerifierError(error), trustedTimes };
  }
}

function mapVerifierError(error: unknown): Outcome {
  /* c8 ignore next -- the verifier throws only its own errors; a TypeError would be a bug in it, still refused */
  if (!(error instanceof VerificationError)) return invalid('MALFORMED_BUNDLE', `the verifier failed: ${String(error)}`);
  const detail = `${error.message}${error.cause instanceof Error ? `: ${error.cause.message}` : ''}`;
  switch (error.code) {
    case 'CERTIFICATE_ERROR':
      return fail('untrusted', 'UNTRUSTED_CHAIN', detail);
    case 'SIGNATURE_ERROR':
      return invalid('BAD_SIGNATURE', detail);
    case 'TIMESTAMP_ERROR':
      return invalid('TIMESTAMP_INVALID', detail);
    default:
      // TLOG_*, and NOT_IMPLEMENTED_ERROR for an entry kind it does not know. PUBLIC_KEY_ERROR cannot
      // happen: the key finders here return the policy's key, and a keyless verification never asks.
      return invalid('TLOG_INVALID', detail);
  }
}

const verified = (signer: string, certificateNotAfter: string | null): Outcome => ({ status: 'verified', code: null, detail: `signed by ${signer}`, signer, certificateNotAfter });

/** The policy's key for a key-based verification. */
function keyFinderFor(key: CosignPublicKey): TrustMaterial['publicKey'] {
  // A configured key has no validity period: cosign's --key has none either.
  return () => ({ publicKey: key.keyObject, validFor: () => true });
}

/* c8 ignore next 3 -- a keyless verification never looks a key up; refused if it ever did */
const NO_KEY: TrustMaterial['publicKey'] = (hint) => {
  throw new VerificationError({ code: 'PUBLIC_KEY_ERROR', message: `no key for hint ${hint}` });
};

/** The leaf of a bundle's certificate material. */
function leafOf(bundle: Bundle): { ok: true; certificate: X509Certificate } | { ok: false; detail: string } {
  const material = bundle.verificationMaterial.content;
  // Called for the two certificate cases only (verifyBundle sends key hints elsewhere).
  /* c8 ignore next 3 -- bundleFromJSON refuses a chain without certificates, and no other case reaches here */
  const raw =
    material.$case === 'certificate' ? material.certificate.rawBytes : material.$case === 'x509CertificateChain' ? material.x509CertificateChain.certificates[0]?.rawBytes : undefined;
  if (raw === undefined) return { ok: false, detail: 'no certificate' };
  try {
    return { ok: true, certificate: X509Certificate.parse(Buffer.from(raw)) };
  } catch (error) {
    return { ok: false, detail: `the certificate does not decode: ${(error as Error).message}` };
  }
}

/** A DSSE statement's check: null when it names the digest, else the failure. */
function statementNamesDigest(payloadType: string, payload: Buffer, digest: string): Outcome | null {
  if (payloadType !== IN_TOTO_PAYLOAD_TYPE) return invalid('WRONG_PAYLOAD_TYPE', `payloadType ${JSON.stringify(payloadType)}`);
  // No size check of its own: the payload is inside the bundle, bounded by MAX_BUNDLE_BYTES.
  let statement: unknown;
  try {
    statement = JSON.parse(new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(payload));
  } catch {
    return invalid('MALFORMED_STATEMENT', 'the statement is not UTF-8 JSON');
  }
  // cosign reads the statement with Go's encoding/json, which takes a case variant (`Subject`, `Digest`) for the field:
  // one is refused, so the two can never read different subjects of one signed statement.
  if (isObject(statement) && hasCaseVariant(statement, ['subject'])) return invalid('MALFORMED_STATEMENT', 'the statement has a case variant of `subject`');
  const subjects = isObject(statement) ? statement.subject : undefined;
  if (!Array.isArray(subjects) || subjects.length > MAX_STATEMENT_SUBJECTS) return invalid('MALFORMED_STATEMENT', `\`subject\` is not a list of at most ${MAX_STATEMENT_SUBJECTS}`);
  if (subjects.some((subject) => isObject(subject) && hasCaseVariant(subject, ['digest']))) return invalid('MALFORMED_STATEMENT', 'a subject has a case variant of `digest`');
  const hex = digest.slice('sha256:'.length);
  const names = subjects.some((subject) => isObject(subject) && isObject(subject.digest) && subject.digest.sha256 === hex);
  return names ? null : invalid('DIGEST_MISMATCH', `the statement's subjects do not include ${digest}`);
}

/**
 * A legacy layer as a v0.1 bundle: message signature over the blob, the Rekor
 * entry of the bundle annotation as an inclusion promise, the RFC 3161
 * timestamp annotation as timestamp data. Errors are `invalid`.
 */
function legacyBundle(layer: SigLayer, blob: Uint8Array, verificationContent: Record<string, unknown>): Bundle | Outcome {
  const tlogEntries: unknown[] = [];
  if (layer.bundleJson !== undefined) {
    const entry = tlogEntryOf(layer.bundleJson);
    if (typeof entry === 'string') return invalid('MALFORMED_TLOG_ENTRY', entry);
    tlogEntries.push(entry);
  }
  const rfc3161Timestamps: unknown[] = [];
  if (layer.rfc3161TimestampJson !== undefined) {
    const token = parseJson(layer.rfc3161TimestampJson);
    // cosign:`pkg/cosign/bundle/tsa.go`: {"SignedRFC3161Timestamp": base64 DER}.
    if (!isObject(token) || typeof token.SignedRFC3161Timestamp !== 'string') return invalid('MALFORMED_TLOG_ENTRY', 'the RFC 3161 annotation is not {"SignedRFC3161Timestamp": base64}');
    rfc3161Timestamps.push({ signedTimestamp: token.SignedRFC3161Timestamp });
  }
  const document = {
    mediaType: BUNDLE_V01_MEDIA_TYPE,
    verificationMaterial: { ...verificationContent, tlogEntries, timestampVerificationData: { rfc3161Timestamps } },
    messageSignature: { messageDigest: { algorithm: 'SHA2_256', digest: Buffer.from(sha256Hex(blob), 'hex').toString('base64') }, signature: layer.signatureBase64 },
  };
  // Every field was checked above and the signature is a non-empty annotation, so the v0.1 rules hold.
  return bundleFromJSON(document);
}

/** cosign's bundle annotation `{SignedEntryTimestamp, Payload: {body, integratedTime, logIndex, logID}}` as a bundle tlog entry, or why not. */
function tlogEntryOf(json: string): Record<string, unknown> | string {
  const annotation = parseJson(json);
  if (!isObject(annotation) || typeof annotation.SignedEntryTimestamp !== 'string' || !isObject(annotation.Payload)) return 'the bundle annotation is not {SignedEntryTimestamp, Payload}';
  const { body, integratedTime, logIndex, logID } = annotation.Payload;
  if (typeof body !== 'string' || !Number.isSafeInteger(integratedTime) || !Number.isSafeInteger(logIndex) || typeof logID !== 'string' || !/^[0-9a-f]{64}$/.test(logID)) {
    return 'the bundle annotation Payload is not {body, integratedTime, logIndex, logID}';
  }
  const entry = parseJson(Buffer.from(body, 'base64').toString('utf8'));
  if (!isObject(entry) || typeof entry.kind !== 'string' || typeof entry.apiVersion !== 'string') return 'the Rekor body is not {kind, apiVersion}';
  return {
    logIndex: String(logIndex),
    logId: { keyId: Buffer.from(logID, 'hex').toString('base64') },
    kindVersion: { kind: entry.kind, version: entry.apiVersion },
    integratedTime: String(integratedTime),
    inclusionPromise: { signedEntryTimestamp: annotation.SignedEntryTimestamp },
    canonicalizedBody: body,
  };
}

function parseCertificatePem(pem: string): { der: Buffer; certificate: X509Certificate } | undefined {
  const body = PEM_CERTIFICATE.exec(pem.trim() + '\n')?.[1]?.replace(/\r?\n/g, '');
  if (body === undefined) return undefined;
  const der = Buffer.from(body, 'base64');
  try {
    return { der, certificate: X509Certificate.parse(der) };
  } catch {
    return undefined;
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

const orNone = (value: string | undefined): string => value ?? '(none)';

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.byteLength === b.byteLength && timingSafeEqual(a, b);
}
