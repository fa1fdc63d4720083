/**
 * RFC 3161 timestamp countersignatures of Notation signatures
 * (docs/signature-systems.md §4): the unsigned header
 * `io.cncf.notary.timestampSignature` holds a TimeStampToken, a CMS
 * SignedData (RFC 5652) whose content is a TSTInfo over the hash of the
 * signature bytes. Pure: bytes and trusted roots in, a time range or a
 * closed failure out.
 *
 * The checks follow notation-go `verifier/verifier.go` (verifyTimestamp) and
 * the Notary Project tspclient-go it calls (SignedToken.Verify,
 * SigningCertificate, TSTInfo.Validate) and notation-core-go x509
 * (ValidateTimestampingCertChain):
 * - the message imprint is the signature's hash, with a SHA-2 algorithm;
 * - the signed attributes name the TSTInfo content type, hold its digest,
 *   and name the TSA certificate by hash (ESS signingCertificateV2,
 *   RFC 5816), which must be in the token and match the signer identifier;
 * - the SignedData signature verifies with that certificate's key;
 * - that certificate leads, through the token's certificates, to a root of
 *   the statement's `tsa` stores, every certificate valid at genTime (Go's
 *   x509 Verify with CurrentTime genTime, as notation does);
 * - the TSA certificate is no CA, has digitalSignature and exactly the
 *   timeStamping extended key usage, marked critical (RFC 3161 §2.3); every
 *   CA above it has keyCertSign, respects path lengths and, if it lists
 *   extended key usages, allows timeStamping (Go's EKU nesting rule).
 * The result is genTime ± accuracy; an absent accuracy counts as zero, or as
 * one second under the ETSI baseline policy (tspclient-go's rule,
 * RFC 3628 §5.1).
 *
 * Stricter than tspclient-go on purpose: exactly one SignerInfo (tspclient-go
 * tries each; a token has one), the signer named by issuer and serial number
 * (the subjectKeyIdentifier form is refused), signed attributes required,
 * RSASSA-PSS token signatures refused (RSA PKCS #1 v1.5 and ECDSA are what
 * TSAs use), a TSTInfo with a critical extension refused, and DER only.
 *
 * Not done: revocation of the TSA chain (notation checks it by OCSP/CRL; this
 * verifier does no network I/O).
 */
import { createHash, verify as verifySignature } from 'node:crypto';

import { err, ok, type Result } from '../../lib/result.js';
import { EKU_TIME_STAMPING, KEY_USAGE_DIGITAL_SIGNATURE, KEY_USAGE_KEY_CERT_SIGN, parseCertificate, type NotationCertificate } from './certificate.js';
import type { Failure, NotationFailureCode } from './codes.js';
import { childrenOf, decodeOid, DER_BOOLEAN, DER_INTEGER, DER_OCTET_STRING, DER_OID, DER_SEQUENCE, DER_SET, DerError, readDerElement, type DerElement } from './der.js';

export type TimestampFailure = Failure<Extract<NotationFailureCode, 'TIMESTAMP_INVALID' | 'TIMESTAMP_UNTRUSTED'>>;

export interface VerifiedTimestamp {
  /** TSTInfo genTime, to the millisecond (finer fractions widen the range below). */
  readonly genTime: Date;
  /** genTime − accuracy, rounded down to the millisecond. */
  readonly earliest: Date;
  /** genTime + accuracy, rounded up to the millisecond. */
  readonly latest: Date;
  /** The TSA certificate that signed the token. */
  readonly authority: NotationCertificate;
}

/** Bound on the token (docs/house-style.md rule 6): real ones with their chain are 5-8 KiB. */
export const MAX_TIMESTAMP_BYTES = 64 * 1024;
/** Bound on the certificates a token carries; real ones carry two to four. */
export const MAX_TIMESTAMP_CERTIFICATES = 10;

const OID_SIGNED_DATA = '1.2.840.113549.1.7.2';
const OID_TST_INFO = '1.2.840.113549.1.9.16.1.4';
const OID_CONTENT_TYPE = '1.2.840.113549.1.9.3';
const OID_MESSAGE_DIGEST = '1.2.840.113549.1.9.4';
const OID_SIGNING_CERTIFICATE_V2 = '1.2.840.113549.1.9.16.2.47';
const OID_ANY_EXTENDED_KEY_USAGE = '2.5.29.37.0';
/** ETSI EN 319 421 baseline time-stamp policy (itu-t(0) identified-organization(4) etsi(0) 2023 1 1). */
const OID_BASELINE_TIMESTAMP_POLICY = '0.4.0.2023.1.1';
const HASHES: ReadonlyMap<string, string> = new Map([
  ['2.16.840.1.101.3.4.2.1', 'sha256'],
  ['2.16.840.1.101.3.4.2.2', 'sha384'],
  ['2.16.840.1.101.3.4.2.3', 'sha512'],
]);
/** Signature algorithms of a SignerInfo: the key type they need, and the hash they name (null: the digest algorithm's). */
const SIGNATURE_ALGORITHMS: ReadonlyMap<string, { readonly keyType: 'rsa' | 'ec'; readonly hash: string | null }> = new Map([
  ['1.2.840.113549.1.1.1', { keyType: 'rsa', hash: null }],
  ['1.2.840.113549.1.1.11', { keyType: 'rsa', hash: 'sha256' }],
  ['1.2.840.113549.1.1.12', { keyType: 'rsa', hash: 'sha384' }],
  ['1.2.840.113549.1.1.13', { keyType: 'rsa', hash: 'sha512' }],
  ['1.2.840.10045.4.3.2', { keyType: 'ec', hash: 'sha256' }],
  ['1.2.840.10045.4.3.3', { keyType: 'ec', hash: 'sha384' }],
  ['1.2.840.10045.4.3.4', { keyType: 'ec', hash: 'sha512' }],
]);
const GENERALIZED_TIME = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(?:\.(\d{0,8}[1-9]))?Z$/;
const TAG_GENERALIZED_TIME = 0x18;
const TAG_CONTEXT_0 = 0xa0;
const TAG_CONTEXT_1 = 0xa1;
const TAG_ACCURACY_MILLIS = 0x80;
const TAG_ACCURACY_MICROS = 0x81;

/** Thrown by the readers below for a token that is not what RFC 3161 and RFC 5652 describe. */
class TokenError extends Error {}

interface ParsedToken {
  readonly tstInfo: Uint8Array;
  readonly certificates: readonly NotationCertificate[];
  readonly signerIssuer: Uint8Array;
  readonly signerSerial: Uint8Array;
  readonly digestAlgorithm: string;
  /** The signed attributes as signed: their DER with the SET tag (RFC 5652 §5.4). */
  readonly signedAttributes: Uint8Array;
  readonly contentType: string;
  readonly messageDigest: Uint8Array;
  readonly signerCertificateHash: { readonly algorithm: string; readonly value: Uint8Array };
  readonly signatureAlgorithm: { readonly keyType: 'rsa' | 'ec'; readonly hash: string | null };
  readonly signature: Uint8Array;
}

interface TstInfo {
  readonly imprintAlgorithm: string;
  readonly imprint: Uint8Array;
  readonly genTimeMs: number;
  /** The part of genTime below a millisecond, in milliseconds. */
  readonly genTimeFractionMs: number;
  readonly accuracyMs: number;
}

/**
 * Verifies `token` as a timestamp of `signature` by a TSA that chains to one
 * of `tsaRoots`; the range it proves the signature existed in.
 */
export function verifyTimestampToken(token: Uint8Array, signature: Uint8Array, tsaRoots: readonly NotationCertificate[]): Result<VerifiedTimestamp, TimestampFailure> {
  const invalid = (detail: string) => err({ code: 'TIMESTAMP_INVALID' as const, detail: `timestamp: ${detail}` });
  const untrusted = (detail: string) => err({ code: 'TIMESTAMP_UNTRUSTED' as const, detail: `timestamp: ${detail}` });
  if (token.byteLength > MAX_TIMESTAMP_BYTES) return invalid(`${token.byteLength} bytes (at most ${MAX_TIMESTAMP_BYTES})`);
  let parsed: ParsedToken;
  let info: TstInfo;
  try {
    parsed = readToken(token);
    info = readTstInfo(parsed.tstInfo);
  } catch (error) {
    /* c8 ignore next -- the readers throw only TokenError and DerError; anything else is a bug to surface */
    if (!(error instanceof TokenError || error instanceof DerError)) throw error;
    return invalid(`malformed token (${error.message})`);
  }

  // The token is about these signature bytes.
  if (!equal(digest(info.imprintAlgorithm, signature), info.imprint)) return invalid('the message imprint is not the hash of the signature');

  // The signed attributes bind the TSTInfo and the TSA certificate.
  if (parsed.contentType !== OID_TST_INFO) return invalid(`the signed content type is ${parsed.contentType}, not TSTInfo`);
  if (!equal(digest(parsed.digestAlgorithm, parsed.tstInfo), parsed.messageDigest)) return invalid('the signed message digest is not the hash of the TSTInfo');
  const { algorithm: certificateHash, value: expectedHash } = parsed.signerCertificateHash;
  const authority = parsed.certificates.find((certificate) => equal(digest(certificateHash, certificate.der), expectedHash));
  if (authority === undefined) return invalid('no certificate of the token has the hash its signingCertificateV2 names');
  if (!equal(authority.issuerName, parsed.signerIssuer) || !equal(authority.serialNumber, parsed.signerSerial)) {
    return invalid(`the signer identifier does not name ${authority.subjectText}, the certificate signingCertificateV2 names`);
  }

  // The TSA signed them.
  const { keyType, hash } = parsed.signatureAlgorithm;
  if (hash !== null && hash !== parsed.digestAlgorithm) return invalid(`the signature algorithm hashes with ${hash}, the digest algorithm is ${parsed.digestAlgorithm}`);
  if (authority.x509.publicKey.asymmetricKeyType !== keyType) return invalid(`the signature algorithm needs an ${keyType} key, ${authority.subjectText} has another`);
  const options = keyType === 'rsa' ? { key: authority.x509.publicKey } : { key: authority.x509.publicKey, dsaEncoding: 'der' as const };
  if (!verifySignature(parsed.digestAlgorithm, parsed.signedAttributes, options, parsed.signature)) return invalid(`the token signature does not verify with ${authority.subjectText}`);

  // The TSA is trusted, and was when it signed.
  const genTime = new Date(info.genTimeMs);
  const chain = chainToRoot(authority, parsed.certificates, tsaRoots);
  if (typeof chain === 'string') return untrusted(chain);
  const problem = checkTimestampingChain(chain, genTime);
  if (problem !== null) return untrusted(problem);
  return ok({
    genTime,
    earliest: new Date(info.genTimeMs + Math.floor(info.genTimeFractionMs - info.accuracyMs)),
    latest: new Date(info.genTimeMs + Math.ceil(info.genTimeFractionMs + info.accuracyMs)),
    authority,
  });
}

/** ContentInfo → SignedData → the one SignerInfo (RFC 5652 §3, §5.1, §5.3). */
function readToken(token: Uint8Array): ParsedToken {
  const contentInfo = sequenceOf(readDerElement(token, DER_SEQUENCE), 2, 2);
  if (oidOf(contentInfo[0]) !== OID_SIGNED_DATA) throw new TokenError('not a CMS SignedData');
  const signedData = childrenOf(readDerElement(expect(contentInfo[1], TAG_CONTEXT_0).content, DER_SEQUENCE));
  // version, digestAlgorithms, encapContentInfo, [0] certificates, [1] crls (ignored: no revocation here), signerInfos.
  const [version, digestAlgorithms, encapsulated] = signedData;
  // RFC 5652 §5.1: version 3 whenever the content is not id-data.
  if (!equal(expect(version, DER_INTEGER).content, Uint8Array.of(3))) throw new TokenError('SignedData version is not 3');
  const listedDigests = childrenOf(expect(digestAlgorithms, DER_SET)).map(hashOf);
  const encapsulatedParts = sequenceOf(expect(encapsulated, DER_SEQUENCE), 2, 2);
  if (oidOf(encapsulatedParts[0]) !== OID_TST_INFO) throw new TokenError('the encapsulated content is not a TSTInfo');
  const tstInfo = readDerElement(expect(encapsulatedParts[1], TAG_CONTEXT_0).content, DER_OCTET_STRING).content;
  const optional = signedData.slice(3, -1);
  const certificatesField = optional[0]?.tag === TAG_CONTEXT_0 ? optional.shift() : undefined;
  if (optional[0]?.tag === TAG_CONTEXT_1) optional.shift();
  if (optional.length > 0) throw new TokenError('unexpected SignedData fields');
  const certificates = readCertificates(certificatesField);
  const signerInfos = childrenOf(expect(signedData[signedData.length - 1], DER_SET));
  if (signerInfos.length !== 1) throw new TokenError(`${signerInfos.length} signer infos, not one`);
  const signer = readSignerInfo(signerInfos[0] as DerElement);
  // RFC 5652 §5.1: digestAlgorithms lists the signers' digest algorithms.
  if (!listedDigests.includes(signer.digestAlgorithm)) throw new TokenError('digestAlgorithms does not list the signer digest algorithm');
  return { tstInfo, certificates, ...signer };
}

function readCertificates(field: DerElement | undefined): NotationCertificate[] {
  const elements = field === undefined ? [] : childrenOf(field);
  if (elements.length > MAX_TIMESTAMP_CERTIFICATES) throw new TokenError(`${elements.length} certificates (at most ${MAX_TIMESTAMP_CERTIFICATES})`);
  return elements.map((element) => {
    // The other CertificateChoices (attribute and other certificates) are context-tagged; none is used for timestamps.
    const certificate = element.tag === DER_SEQUENCE ? parseCertificate(encode(element)) : null;
    if (certificate === null) throw new TokenError('a certificate does not parse');
    return certificate;
  });
}

type SignerFields = Omit<ParsedToken, 'tstInfo' | 'certificates'>;

/** SignerInfo ::= SEQUENCE { version, sid, digestAlgorithm, [0] signedAttrs, signatureAlgorithm, signature, [1] unsignedAttrs OPTIONAL }. */
function readSignerInfo(signerInfo: DerElement): SignerFields {
  const [version, sid, digestAlgorithm, signedAttributes, signatureAlgorithm, signature] = sequenceOf(expect(signerInfo, DER_SEQUENCE), 6, 7);
  if (!equal(expect(version, DER_INTEGER).content, Uint8Array.of(1))) throw new TokenError('the signer is not named by issuer and serial number (SignerInfo version 1)');
  const [issuer, serial] = sequenceOf(expect(sid, DER_SEQUENCE), 2, 2);
  const signedAlgorithm = SIGNATURE_ALGORITHMS.get(algorithmOf(signatureAlgorithm));
  if (signedAlgorithm === undefined) throw new TokenError('unsupported signature algorithm');
  const attributes = readSignedAttributes(expect(signedAttributes, TAG_CONTEXT_0));
  return {
    signerIssuer: expect(issuer, DER_SEQUENCE).content,
    signerSerial: expect(serial, DER_INTEGER).content,
    digestAlgorithm: hashOf(digestAlgorithm),
    signedAttributes: encode({ tag: DER_SET, content: (signedAttributes as DerElement).content }),
    ...attributes,
    signatureAlgorithm: signedAlgorithm,
    signature: expect(signature, DER_OCTET_STRING).content,
  };
}

/** The three signed attributes a timestamp needs, each exactly once with one value. */
function readSignedAttributes(field: DerElement): Pick<ParsedToken, 'contentType' | 'messageDigest' | 'signerCertificateHash'> {
  const values = new Map<string, DerElement>();
  for (const attribute of childrenOf(field)) {
    const [type, set] = sequenceOf(expect(attribute, DER_SEQUENCE), 2, 2);
    const oid = oidOf(type);
    if (values.has(oid)) throw new TokenError(`signed attribute ${oid} repeats`);
    const members = childrenOf(expect(set, DER_SET));
    if (members.length !== 1) throw new TokenError(`signed attribute ${oid} has ${members.length} values`);
    values.set(oid, members[0] as DerElement);
  }
  const contentType = values.get(OID_CONTENT_TYPE);
  const messageDigest = values.get(OID_MESSAGE_DIGEST);
  const signingCertificate = values.get(OID_SIGNING_CERTIFICATE_V2);
  if (contentType === undefined || messageDigest === undefined || signingCertificate === undefined) throw new TokenError('contentType, messageDigest or signingCertificateV2 is missing');
  // SigningCertificateV2 ::= SEQUENCE { certs SEQUENCE OF ESSCertIDv2, policies OPTIONAL }; the first names the signer.
  const [certs] = sequenceOf(expect(signingCertificate, DER_SEQUENCE), 1, 2);
  const [first] = childrenOf(expect(certs, DER_SEQUENCE));
  // ESSCertIDv2 ::= SEQUENCE { hashAlgorithm DEFAULT sha256, certHash OCTET STRING, issuerSerial OPTIONAL }.
  const essParts = sequenceOf(expect(first, DER_SEQUENCE), 1, 3);
  const hashed = essParts[0]?.tag === DER_SEQUENCE ? essParts.shift() : undefined;
  if (essParts.length > 2 || (essParts[1] !== undefined && essParts[1].tag !== DER_SEQUENCE)) throw new TokenError('malformed ESSCertIDv2');
  return {
    contentType: oidOf(contentType),
    messageDigest: expect(messageDigest, DER_OCTET_STRING).content,
    signerCertificateHash: { algorithm: hashed === undefined ? 'sha256' : hashOf(hashed), value: expect(essParts[0], DER_OCTET_STRING).content },
  };
}

/**
 * TSTInfo ::= SEQUENCE { version INTEGER (1), policy, messageImprint, serialNumber, genTime,
 * accuracy OPTIONAL, ordering DEFAULT FALSE, nonce OPTIONAL, tsa [0] OPTIONAL, extensions [1] OPTIONAL } (RFC 3161 §2.4.2).
 */
function readTstInfo(bytes: Uint8Array): TstInfo {
  const fields = childrenOf(readDerElement(bytes, DER_SEQUENCE));
  const [version, policy, imprint, serial, genTime] = fields;
  if (!equal(expect(version, DER_INTEGER).content, Uint8Array.of(1))) throw new TokenError('TSTInfo version is not 1');
  const policyOid = oidOf(policy);
  const [imprintAlgorithm, imprintValue] = sequenceOf(expect(imprint, DER_SEQUENCE), 2, 2);
  expect(serial, DER_INTEGER);
  const time = readGeneralizedTime(expect(genTime, TAG_GENERALIZED_TIME));
  const rest = fields.slice(5);
  const accuracyField = rest[0]?.tag === DER_SEQUENCE ? rest.shift() : undefined;
  for (const tag of [DER_BOOLEAN, DER_INTEGER, TAG_CONTEXT_0]) if (rest[0]?.tag === tag) rest.shift();
  const extensions = rest[0]?.tag === TAG_CONTEXT_1 ? rest.shift() : undefined;
  if (rest.length > 0) throw new TokenError('unexpected TSTInfo fields');
  for (const extension of extensions === undefined ? [] : childrenOf(extensions)) {
    const parts = sequenceOf(expect(extension, DER_SEQUENCE), 2, 3);
    if (parts[1]?.tag === DER_BOOLEAN && parts[1].content[0] !== 0) throw new TokenError(`critical TSTInfo extension ${oidOf(parts[0])}`);
  }
  const accuracyMs = accuracyField === undefined ? (policyOid === OID_BASELINE_TIMESTAMP_POLICY ? 1000 : 0) : readAccuracy(accuracyField);
  return { imprintAlgorithm: hashOf(imprintAlgorithm), imprint: expect(imprintValue, DER_OCTET_STRING).content, ...time, accuracyMs };
}

/** Accuracy ::= SEQUENCE { seconds INTEGER OPTIONAL, millis [0] (1..999) OPTIONAL, micros [1] (1..999) OPTIONAL }, in milliseconds. */
function readAccuracy(field: DerElement): number {
  const parts = childrenOf(field);
  const seconds = parts[0]?.tag === DER_INTEGER ? readSmallInteger(parts.shift() as DerElement, 0, 86_400) : 0;
  const millis = parts[0]?.tag === TAG_ACCURACY_MILLIS ? readSmallInteger(parts.shift() as DerElement, 1, 999) : 0;
  const micros = parts[0]?.tag === TAG_ACCURACY_MICROS ? readSmallInteger(parts.shift() as DerElement, 1, 999) : 0;
  if (parts.length > 0) throw new TokenError('malformed accuracy');
  return seconds * 1000 + millis + micros / 1000;
}

/** A non-negative INTEGER content within [min, max] (a day of accuracy is already no timestamp worth the name). */
function readSmallInteger(element: DerElement, min: number, max: number): number {
  const { content } = element;
  if (content.length === 0 || content.length > 4 || ((content[0] as number) & 0x80) !== 0) throw new TokenError('an accuracy field is not a small non-negative integer');
  const value = content.reduce((sum, octet) => sum * 256 + octet, 0);
  if (value < min || value > max) throw new TokenError(`an accuracy field is ${value}, outside ${min}..${max}`);
  return value;
}

/** RFC 3161 §2.4.2: GeneralizedTime in UTC (`Z`), optional fraction without trailing zeros. */
function readGeneralizedTime(element: DerElement): { genTimeMs: number; genTimeFractionMs: number } {
  const match = GENERALIZED_TIME.exec(Buffer.from(element.content).toString('latin1'));
  if (match === null) throw new TokenError('genTime is not a UTC GeneralizedTime');
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  const ms = Date.UTC(year, month - 1, day, hour, minute, second);
  const back = new Date(ms);
  // Date.UTC rolls 31 February over into March; a time that does not read back is out of range.
  if (back.getUTCFullYear() !== year || back.getUTCMonth() !== month - 1 || back.getUTCDate() !== day || back.getUTCHours() !== hour || back.getUTCMinutes() !== minute) {
    throw new TokenError('genTime is out of range');
  }
  const fractionMs = Number(`0.${match[7] ?? '0'}`) * 1000;
  const wholeMs = Math.floor(fractionMs);
  return { genTimeMs: ms + wholeMs, genTimeFractionMs: fractionMs - wholeMs };
}

/**
 * The path from the TSA certificate to a `tsa` root: each step to a root
 * that issued it, else to a token certificate that did. The token's own copy
 * of the root may be in the path; it counts only if it equals a store root.
 */
function chainToRoot(authority: NotationCertificate, certificates: readonly NotationCertificate[], roots: readonly NotationCertificate[]): NotationCertificate[] | string {
  const chain = [authority];
  for (;;) {
    const current = chain[chain.length - 1] as NotationCertificate;
    if (roots.some((root) => equal(root.der, current.der))) return chain;
    const issued = (issuer: NotationCertificate) => current.x509.checkIssued(issuer.x509) && current.x509.verify(issuer.x509.publicKey);
    const root = roots.find(issued);
    if (root !== undefined) return [...chain, root];
    // Each token certificate enters the path once, so the walk ends.
    const next = certificates.find((certificate) => !chain.includes(certificate) && issued(certificate));
    if (next === undefined) return `the TSA chain from ${authority.subjectText} reaches no root of the statement's tsa stores`;
    chain.push(next);
  }
}

/** notation-core-go ValidateTimestampingCertChain, with Go's x509 Verify at genTime before it. */
function checkTimestampingChain(chain: readonly NotationCertificate[], genTime: Date): string | null {
  for (const [index, certificate] of chain.entries()) {
    if (genTime < certificate.notBefore || genTime > certificate.notAfter) return `${certificate.subjectText} was not valid at ${genTime.toISOString()}`;
    if (certificate.unknownCriticalExtensions.length > 0) return `${certificate.subjectText} has unhandled critical extensions ${certificate.unknownCriticalExtensions.join(', ')}`;
    if (index === 0) continue;
    if (certificate.basicConstraints?.ca !== true || certificate.keyUsage === null || (certificate.keyUsage & KEY_USAGE_KEY_CERT_SIGN) === 0) {
      return `${certificate.subjectText} is not a CA with keyCertSign`;
    }
    const pathLength = certificate.basicConstraints.pathLength;
    if (pathLength !== null && pathLength < index - 1) return `${certificate.subjectText} allows ${pathLength} intermediates below it, the TSA chain has ${index - 1}`;
    const usages = certificate.extendedKeyUsage;
    if (usages !== null && !usages.includes(EKU_TIME_STAMPING) && !usages.includes(OID_ANY_EXTENDED_KEY_USAGE)) return `${certificate.subjectText} does not allow timeStamping`;
  }
  const authority = chain[0] as NotationCertificate;
  if (authority.basicConstraints?.ca === true) return `the TSA certificate ${authority.subjectText} is a CA`;
  if (authority.keyUsage === null || (authority.keyUsage & KEY_USAGE_DIGITAL_SIGNATURE) === 0) return `the TSA certificate ${authority.subjectText} lacks the digitalSignature key usage`;
  const usages = authority.extendedKeyUsage;
  if (usages?.length !== 1 || usages[0] !== EKU_TIME_STAMPING || !authority.extendedKeyUsageCritical) {
    return `the TSA certificate ${authority.subjectText} does not have exactly the timeStamping extended key usage, marked critical`;
  }
  return null;
}

function expect(element: DerElement | undefined, tag: number): DerElement {
  if (element?.tag !== tag) throw new TokenError(`expected tag 0x${tag.toString(16)}`);
  return element;
}

function sequenceOf(element: DerElement, min: number, max: number): DerElement[] {
  const children = childrenOf(element);
  if (children.length < min || children.length > max) throw new TokenError(`expected ${min} to ${max} fields, found ${children.length}`);
  return children;
}

function oidOf(element: DerElement | undefined): string {
  return decodeOid(expect(element, DER_OID).content);
}

/** AlgorithmIdentifier ::= SEQUENCE { algorithm OID, parameters NULL or absent }. */
function algorithmOf(element: DerElement | undefined): string {
  const [algorithm, parameters] = sequenceOf(expect(element, DER_SEQUENCE), 1, 2);
  if (parameters !== undefined && (parameters.tag !== 0x05 || parameters.content.length > 0)) throw new TokenError('algorithm parameters other than NULL');
  return oidOf(algorithm);
}

function hashOf(element: DerElement | undefined): string {
  const oid = algorithmOf(element);
  const hash = HASHES.get(oid);
  if (hash === undefined) throw new TokenError(`unsupported hash algorithm ${oid}`);
  return hash;
}

function digest(algorithm: string, data: Uint8Array): Uint8Array {
  return createHash(algorithm).update(data).digest();
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(b);
}

/** Re-encodes one element with a DER (shortest) length. */
function encode(element: DerElement): Uint8Array {
  const { length } = element.content;
  const octets: number[] = [];
  for (let rest = length; rest > 0; rest = Math.floor(rest / 256)) octets.unshift(rest & 0xff);
  const lengthOctets = length < 0x80 ? [length] : [0x80 | octets.length, ...octets];
  return Buffer.concat([Uint8Array.of(element.tag, ...lengthOctets), element.content]);
}
