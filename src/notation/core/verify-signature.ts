/**
 * Verifies one Notation signature envelope against a trust policy statement
 * and the trust store, at an instant the caller gives
 * (docs/signature-systems.md §4). Pure (docs/house-style.md rule 1): bytes
 * and values in, a `SignatureCheck` out.
 *
 * The checks follow notation-go `verifier/verifier.go` (verifyIntegrity,
 * verifyAuthenticity, verifyX509TrustedIdentities, verifyExpiry,
 * verifyAuthenticTimestamp) and notation-core-go's envelope and x509 rules, in
 * that order: integrity (`invalid`), authenticity (`untrusted`), time
 * (`expired`).
 *
 * Stricter than notation on purpose: notation's levels decide whether a
 * failed check blocks a deployment (`permissive` only logs expiry, `audit`
 * logs authenticity too). An inventory reports facts, and "a trusted signer
 * made this signature and it is still valid" is a fact that an admission
 * level does not change, so every level but `skip` enforces integrity,
 * authenticity and expiry here, and `override` is read but does not weaken a
 * check. `skip` verifies nothing, so it never yields `verified`.
 *
 * RFC 3161 timestamps (notation-go verifyTimestamp, notary.x509 only): when
 * the statement names a `tsa` store and `verifyTimestamp` is `always`, or is
 * `afterCertExpiry` and a certificate of the chain has expired at `at`, the
 * envelope's timestamp token is verified (./timestamp.ts) and the chain must
 * be valid over the whole range it proves (genTime ± accuracy) instead of at
 * `at`; a token that fails is `invalid` (TIMESTAMP_INVALID: malformed, not
 * over this signature, badly signed) or `untrusted` (TIMESTAMP_UNTRUSTED: its
 * TSA does not chain to a `tsa` root or breaks the TSA certificate rules), and
 * a range outside the chain's validity is `expired`
 * (TIMESTAMP_OUTSIDE_VALIDITY). As in notation, a statement that demands a
 * timestamp fails a signature without one: TIMESTAMP_MISSING (`untrusted`),
 * or the expiry found at `at` when the chain has expired. Without a `tsa`
 * store a token is not trusted and not read: the chain is judged at `at`.
 * The `notary.x509.signingAuthority` scheme carries its own authentic signing
 * time, so a token there is not read either.
 *
 * Not done: revocation (CRL/OCSP, of the signing or the TSA chain), plugins.
 */
import { constants, verify, type KeyObject } from 'node:crypto';

import { hasCaseVariant, isObject } from '../../lib/go-json-fields.js';
import { parseCertificate, EKU_CODE_SIGNING, KEY_USAGE_DIGITAL_SIGNATURE, type NotationCertificate } from './certificate.js';
import type { NotationFailureCode } from './codes.js';
import { COSE_MEDIA_TYPE, readCoseEnvelope } from './cose.js';
import type { NotationAlgorithm, ParsedEnvelope } from './envelope.js';
import { JWS_MEDIA_TYPE, readJwsEnvelope } from './jws.js';
import { verifyTimestampToken } from './timestamp.js';
import { isSubset, type TrustPolicyStatement } from './trust-policy.js';
import { certificatesOf, type TrustStore } from './trust-store.js';

export type SignatureCheckStatus = 'verified' | 'invalid' | 'untrusted' | 'expired';

export interface SignatureCheck {
  readonly status: SignatureCheckStatus;
  /** Closed list, null when verified. */
  readonly code: NotationFailureCode | null;
  /** One line, for people. */
  readonly detail: string;
  /** The leaf certificate's subject DN and SHA-256 thumbprint, when the envelope carried a readable leaf. */
  readonly signer: string | null;
  /**
   * Until when the verdict holds, ISO 8601: for a verified signature the
   * earliest of its expiry header and, unless a trusted timestamp vouches for
   * the signing time, every chain certificate's notAfter (null: no end); for
   * a failure the leaf's notAfter, when known. Stored verdicts are not reused
   * past it.
   */
  readonly certificateNotAfter: string | null;
}

export interface NotationSubject {
  /** `sha256:<hex>` (or another algorithm notation supports) of the signed manifest. */
  readonly digest: string;
  readonly size: number | null;
  readonly mediaType: string | null;
}

export interface VerifyNotationInput {
  readonly envelope: Uint8Array;
  readonly envelopeMediaType: string;
  readonly subject: NotationSubject;
  readonly statement: TrustPolicyStatement;
  readonly store: TrustStore;
  readonly at: Date;
}

/** Bound on the envelope (docs/house-style.md rule 6): notation's own are 2-10 KiB, with a timestamp token and a long chain well below this. */
export const MAX_ENVELOPE_BYTES = 256 * 1024;
/** Bound on the payload, a descriptor of a few hundred bytes (annotations included). */
const MAX_PAYLOAD_BYTES = 64 * 1024;

const STATUS_OF: Readonly<Record<NotationFailureCode, Exclude<SignatureCheckStatus, 'verified'>>> = {
  ENVELOPE_TOO_LARGE: 'invalid',
  UNSUPPORTED_ENVELOPE_TYPE: 'invalid',
  MALFORMED_ENVELOPE: 'invalid',
  UNKNOWN_CRITICAL_HEADER: 'invalid',
  UNSUPPORTED_ALGORITHM: 'invalid',
  ALGORITHM_KEY_MISMATCH: 'invalid',
  BAD_SIGNATURE: 'invalid',
  MALFORMED_PAYLOAD: 'invalid',
  SUBJECT_MISMATCH: 'invalid',
  TIMESTAMP_INVALID: 'invalid',
  MALFORMED_CERTIFICATE: 'invalid',
  INVALID_CERTIFICATE_CHAIN: 'untrusted',
  UNTRUSTED_ROOT: 'untrusted',
  UNTRUSTED_IDENTITY: 'untrusted',
  VERIFICATION_SKIPPED: 'untrusted',
  TIMESTAMP_UNTRUSTED: 'untrusted',
  TIMESTAMP_MISSING: 'untrusted',
  CERTIFICATE_EXPIRED: 'expired',
  CERTIFICATE_NOT_YET_VALID: 'expired',
  SIGNING_TIME_OUTSIDE_VALIDITY: 'expired',
  SIGNATURE_EXPIRED: 'expired',
  TIMESTAMP_OUTSIDE_VALIDITY: 'expired',
};

/**
 * Key → algorithm (Notary Project signature-specification, "Algorithm
 * selection"): the key decides the one algorithm a signature may use.
 */
const ALGORITHM_FOR_KEY: ReadonlyMap<string, NotationAlgorithm> = new Map([
  ['rsa:2048', 'PS256'],
  ['rsa:3072', 'PS384'],
  ['rsa:4096', 'PS512'],
  ['ec:prime256v1', 'ES256'],
  ['ec:secp384r1', 'ES384'],
  ['ec:secp521r1', 'ES512'],
]);
const HASH_OF: Readonly<Record<NotationAlgorithm, { hash: string; length: number }>> = {
  PS256: { hash: 'sha256', length: 32 },
  PS384: { hash: 'sha384', length: 48 },
  PS512: { hash: 'sha512', length: 64 },
  ES256: { hash: 'sha256', length: 32 },
  ES384: { hash: 'sha384', length: 48 },
  ES512: { hash: 'sha512', length: 64 },
};

export function verifyNotationSignature(input: VerifyNotationInput): SignatureCheck {
  let leaf: NotationCertificate | null = null;
  const fail = (code: NotationFailureCode, detail: string): SignatureCheck => ({
    status: STATUS_OF[code],
    code,
    detail,
    signer: leaf === null ? null : signerOf(leaf),
    certificateNotAfter: leaf === null ? null : leaf.notAfter.toISOString(),
  });
  const { statement, at } = input;
  if (statement.level === 'skip') return fail('VERIFICATION_SKIPPED', `trust policy statement ${JSON.stringify(statement.name)} skips verification`);
  if (input.envelope.byteLength > MAX_ENVELOPE_BYTES) return fail('ENVELOPE_TOO_LARGE', `${input.envelope.byteLength} bytes (at most ${MAX_ENVELOPE_BYTES})`);

  // Integrity.
  const readEnvelope = input.envelopeMediaType === JWS_MEDIA_TYPE ? readJwsEnvelope : input.envelopeMediaType === COSE_MEDIA_TYPE ? readCoseEnvelope : null;
  if (readEnvelope === null) return fail('UNSUPPORTED_ENVELOPE_TYPE', `envelope media type ${JSON.stringify(input.envelopeMediaType)}`);
  const read = readEnvelope(input.envelope);
  if (!read.ok) return fail(read.error.code, read.error.detail);
  const envelope = read.value;
  const chain: NotationCertificate[] = [];
  for (const [index, der] of envelope.certificates.entries()) {
    const certificate = parseCertificate(der);
    if (certificate === null) return fail('MALFORMED_CERTIFICATE', `certificate ${index} of the chain does not parse`);
    chain.push(certificate);
  }
  leaf = chain[0] as NotationCertificate;
  const expected = ALGORITHM_FOR_KEY.get(keySpecOf(leaf.x509.publicKey));
  if (expected !== envelope.algorithm) {
    return fail(
      'ALGORITHM_KEY_MISMATCH',
      `the envelope says ${envelope.algorithm}, the leaf key (${keySpecOf(leaf.x509.publicKey)}) needs ${expected ?? 'an algorithm notation does not define'}`
    );
  }
  if (!verifySignatureBytes(envelope, leaf.x509.publicKey)) return fail('BAD_SIGNATURE', `the signature does not verify with the leaf key (${envelope.algorithm})`);
  const target = readTargetArtifact(envelope.payload);
  if (typeof target === 'string') return fail('MALFORMED_PAYLOAD', target);
  const mismatch = subjectMismatch(target, input.subject);
  if (mismatch !== null) return fail('SUBJECT_MISMATCH', mismatch);

  // Authenticity.
  const chainProblem = checkChain(chain);
  if (chainProblem !== null) return fail('INVALID_CERTIFICATE_CHAIN', chainProblem);
  const storeType = envelope.signingScheme === 'notary.x509' ? 'ca' : 'signingAuthority';
  const roots = certificatesOf(input.store, statement.trustStores, [storeType]);
  const root = chain[chain.length - 1] as NotationCertificate;
  if (!roots.some((trusted) => Buffer.from(trusted.der).equals(root.der))) {
    return fail('UNTRUSTED_ROOT', `the chain ends in ${root.subjectText} (${root.thumbprint}), in no ${storeType} store of statement ${JSON.stringify(statement.name)}`);
  }
  const identities = statement.trustedIdentities;
  if (identities !== '*') {
    const subject = leaf.subjectAttributes;
    if (subject === null || !identities.some((identity) => isSubset(identity.attributes, subject))) {
      return fail('UNTRUSTED_IDENTITY', `leaf subject ${leaf.subjectText} matches no trusted identity of statement ${JSON.stringify(statement.name)}`);
    }
  }

  // Time: the expiry header, every certificate at the signing time, then at `at` or over the timestamp's range.
  if (envelope.expiry !== null && at.getTime() > envelope.expiry.getTime()) return fail('SIGNATURE_EXPIRED', `the signature expired at ${envelope.expiry.toISOString()}`);
  for (const certificate of chain) {
    // notation-core-go validates the chain at the signing time as well: a
    // certificate that was not valid when it signed never vouched for it.
    if (envelope.signingTime < certificate.notBefore || envelope.signingTime > certificate.notAfter) {
      return fail('SIGNING_TIME_OUTSIDE_VALIDITY', `signed at ${envelope.signingTime.toISOString()}, outside the validity of ${certificate.subjectText}`);
    }
  }
  const tsaNamed = statement.trustStores.some((reference) => reference.type === 'tsa');
  const expiredAtVerification = chain.some((certificate) => at.getTime() > certificate.notAfter.getTime());
  const timestampDemanded = envelope.signingScheme === 'notary.x509' && tsaNamed && (statement.verifyTimestamp === 'always' || expiredAtVerification);
  let timestamped = '';
  if (!timestampDemanded || envelope.timestampToken === null) {
    for (const certificate of chain) {
      if (at.getTime() > certificate.notAfter.getTime()) return fail('CERTIFICATE_EXPIRED', `${certificate.subjectText} expired at ${certificate.notAfter.toISOString()}`);
      if (at.getTime() < certificate.notBefore.getTime()) return fail('CERTIFICATE_NOT_YET_VALID', `${certificate.subjectText} is valid from ${certificate.notBefore.toISOString()}`);
    }
    if (timestampDemanded) return fail('TIMESTAMP_MISSING', `statement ${JSON.stringify(statement.name)} names a tsa store and verifyTimestamp "always", the envelope has no timestamp`);
  } else {
    const verified = verifyTimestampToken(envelope.timestampToken, envelope.signature, certificatesOf(input.store, statement.trustStores, ['tsa']));
    if (!verified.ok) return fail(verified.error.code, verified.error.detail);
    const { earliest, latest, genTime, authority } = verified.value;
    // notation-go checks the range: its earliest instant after every notBefore, its latest before every notAfter.
    for (const certificate of chain) {
      if (earliest < certificate.notBefore || latest > certificate.notAfter) {
        return fail('TIMESTAMP_OUTSIDE_VALIDITY', `timestamped between ${earliest.toISOString()} and ${latest.toISOString()}, not inside the validity of ${certificate.subjectText}`);
      }
    }
    timestamped = `, timestamped at ${genTime.toISOString()} by ${authority.subjectText}`;
  }
  // Judged at `at`, the verdict ends with the first certificate to expire; with a trusted timestamp the
  // chain was judged at the signing time, and only the expiry header still ends it.
  const ends = [...(timestamped === '' ? chain.map((certificate) => certificate.notAfter) : []), ...(envelope.expiry === null ? [] : [envelope.expiry])];
  const validUntil = ends.reduce<Date | null>((earliest, end) => (earliest === null || end < earliest ? end : earliest), null);
  return {
    status: 'verified',
    code: null,
    detail: `signed by ${leaf.subjectText} (${envelope.signingScheme})${timestamped}`,
    signer: signerOf(leaf),
    certificateNotAfter: validUntil === null ? null : validUntil.toISOString(),
  };
}

function signerOf(leaf: NotationCertificate): string {
  return `${leaf.subjectText} (sha256:${leaf.thumbprint})`;
}

function keySpecOf(key: KeyObject): string {
  const details = key.asymmetricKeyDetails;
  if (key.asymmetricKeyType === 'rsa') return `rsa:${String(details?.modulusLength)}`;
  return `${String(key.asymmetricKeyType)}:${String(details?.namedCurve)}`;
}

function verifySignatureBytes(envelope: ParsedEnvelope, key: KeyObject): boolean {
  const { hash, length } = HASH_OF[envelope.algorithm];
  // JOSE (RFC 7518 §3.4) and COSE (RFC 9053 §2.1) ECDSA signatures are r‖s, not DER.
  const options = envelope.algorithm.startsWith('PS') ? { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: length } : { key, dsaEncoding: 'ieee-p1363' as const };
  return verify(hash, envelope.signingInput, options, envelope.signature);
}

interface TargetArtifact {
  readonly digest: string;
  readonly size: number;
  readonly mediaType: string;
}

/** `{"targetArtifact": <OCI descriptor>}`; a string when malformed. */
function readTargetArtifact(payload: Uint8Array): TargetArtifact | string {
  if (payload.byteLength > MAX_PAYLOAD_BYTES) return `the payload has ${payload.byteLength} bytes (at most ${MAX_PAYLOAD_BYTES})`;
  let document: unknown;
  try {
    document = JSON.parse(new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(payload));
  } catch {
    return 'the payload is not UTF-8 JSON';
  }
  // notation-go reads the payload with Go's encoding/json, which matches keys ignoring case: a case
  // variant would be read there and not here, so it is refused rather than read two ways.
  if (isObject(document) && hasCaseVariant(document, ['targetArtifact'])) return 'the payload has a case variant of targetArtifact';
  const target = isObject(document) ? document.targetArtifact : undefined;
  if (!isObject(target)) return 'the payload has no targetArtifact object';
  if (hasCaseVariant(target, ['digest', 'size', 'mediaType'])) return 'targetArtifact has a case variant of digest, size or mediaType';
  const { digest, size, mediaType } = target;
  if (typeof digest !== 'string' || typeof mediaType !== 'string' || typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) {
    return 'targetArtifact lacks a digest, mediaType or size';
  }
  return { digest, size, mediaType };
}

/** notation-go verifier.go compares the whole descriptor; here what the subject knows, the digest always. */
function subjectMismatch(target: TargetArtifact, subject: VerifyNotationInput['subject']): string | null {
  if (target.digest !== subject.digest) return `the signature is for ${target.digest}, not ${subject.digest}`;
  if (subject.size !== null && target.size !== subject.size) return `the signature is for ${target.size} bytes, the manifest has ${subject.size}`;
  if (subject.mediaType !== null && target.mediaType !== subject.mediaType) return `the signature is for a ${target.mediaType}, the manifest is a ${subject.mediaType}`;
  return null;
}

/**
 * The code-signing chain rules of notation-core-go x509
 * (ValidateCodeSigningCertChain): leaf first, each certificate issued and
 * signed by the next, the last self-signed; a lone certificate must be
 * self-signed itself. CAs carry basic constraints CA:TRUE, keyCertSign and
 * respect path lengths; the leaf is no CA, has digitalSignature, and, if it
 * lists extended key usages, codeSigning; no certificate has a critical
 * extension this verifier does not understand.
 */
function checkChain(chain: readonly NotationCertificate[]): string | null {
  const leaf = chain[0] as NotationCertificate;
  const root = chain[chain.length - 1] as NotationCertificate;
  if (!root.selfSigned) return `the chain ends in ${root.subjectText}, which is not self-signed`;
  for (const [index, certificate] of chain.entries()) {
    if (certificate.unknownCriticalExtensions.length > 0) return `${certificate.subjectText} has unhandled critical extensions ${certificate.unknownCriticalExtensions.join(', ')}`;
    const issuer = chain[index + 1];
    if (issuer !== undefined && !(certificate.x509.checkIssued(issuer.x509) && certificate.x509.verify(issuer.x509.publicKey))) {
      return `${certificate.subjectText} is not issued by the next certificate, ${issuer.subjectText}`;
    }
    if (index === 0) continue;
    // Certificates above the leaf are CAs; pathLength counts the CAs below them (leaf excluded).
    // keyCertSign itself is checked by checkIssued above (OpenSSL's X509_check_issued refuses an
    // issuer whose key usage lacks it); a CA without the key usage extension is refused here.
    if (certificate.basicConstraints?.ca !== true || certificate.keyUsage === null) return `${certificate.subjectText} is not a CA with a key usage`;
    const pathLength = certificate.basicConstraints.pathLength;
    if (pathLength !== null && pathLength < index - 1) return `${certificate.subjectText} allows ${pathLength} intermediates below it, the chain has ${index - 1}`;
  }
  if (leaf.basicConstraints?.ca === true) return `the leaf ${leaf.subjectText} is a CA`;
  if (leaf.keyUsage === null || (leaf.keyUsage & KEY_USAGE_DIGITAL_SIGNATURE) === 0) return `the leaf ${leaf.subjectText} lacks the digitalSignature key usage`;
  if (leaf.extendedKeyUsage !== null && !leaf.extendedKeyUsage.includes(EKU_CODE_SIGNING)) return `the leaf ${leaf.subjectText} lacks the codeSigning extended key usage`;
  return null;
}
