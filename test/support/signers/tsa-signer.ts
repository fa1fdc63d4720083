/**
 * A test-side RFC 3161 timestamp authority, written from RFC 3161, RFC 5652
 * and RFC 5816 and not from src/: a TimeStampToken (CMS SignedData over a
 * TSTInfo) over the hash of a signature, signed with node:crypto by a TSA
 * certificate the test made. Every layer of the token can be rewritten
 * before it is signed (`patch`), so that a test reaches each check with an
 * otherwise valid token (the SignerInfo patch runs after signing, so it can
 * break the signature itself).
 *
 * Independent of src/: DER from ../der-builder.ts.
 */
import { createHash, sign, type KeyObject } from 'node:crypto';

import { integer, oid, seq, tlv, TAG } from '../der-builder.js';

export const TSA_OIDS = {
  signedData: '2a864886f70d010702',
  tstInfo: '2a864886f70d0109100104',
  data: '2a864886f70d010701',
  contentType: '2a864886f70d010903',
  messageDigest: '2a864886f70d010904',
  signingCertificateV2: '2a864886f70d010910022f',
  sha1: '2b0e03021a',
  sha256: '608648016503040201',
  sha384: '608648016503040202',
  sha512: '608648016503040203',
  rsaEncryption: '2a864886f70d010101',
  sha256WithRsa: '2a864886f70d01010b',
  sha384WithRsa: '2a864886f70d01010c',
  rsaPss: '2a864886f70d01010a',
  ecdsaWithSha256: '2a8648ce3d040302',
  /** 1.2.3.4, a policy of no meaning. */
  testPolicy: '2a0304',
  /** 0.4.0.2023.1.1, the ETSI baseline time-stamp policy. */
  baselinePolicy: '04008f670101',
} as const;

export type Hash = 'sha256' | 'sha384' | 'sha512' | 'sha1';

export interface TsaSigner {
  readonly key: KeyObject;
  /** DER of the TSA certificate. */
  readonly der: Buffer;
}

/** Rewrites a list of encoded fields before the token is assembled and signed. */
type Patch = (fields: Buffer[]) => Buffer[];

export interface TokenOptions {
  readonly signer: TsaSigner;
  /** The certificates the token carries (default: the signer's alone). */
  readonly certificates?: readonly Buffer[];
  readonly genTime: Date | string;
  /** Accuracy DER, or null to leave it out (default: one second). */
  readonly accuracy?: Buffer | null;
  readonly policy?: string;
  readonly imprintHash?: Hash;
  readonly digestHash?: Hash;
  readonly signatureOid?: string;
  readonly patch?: {
    readonly tstInfo?: Patch;
    readonly signedAttributes?: Patch;
    readonly essCertId?: Patch;
    readonly signerInfo?: Patch;
    readonly signedData?: Patch;
    readonly contentInfo?: Patch;
  };
}

const HASH_OID: Readonly<Record<Hash, string>> = { sha256: TSA_OIDS.sha256, sha384: TSA_OIDS.sha384, sha512: TSA_OIDS.sha512, sha1: TSA_OIDS.sha1 };
const identity: Patch = (fields) => fields;

export const algorithm = (oidHex: string, withNull = true): Buffer => seq(oid(oidHex), ...(withNull ? [tlv(TAG.NULL)] : []));
export const octets = (bytes: Uint8Array): Buffer => tlv(TAG.OCTET_STRING, bytes);
const set = (...content: Buffer[]): Buffer => tlv(TAG.SET, ...content);
export const attribute = (oidHex: string, ...values: Buffer[]): Buffer => seq(oid(oidHex), set(...values));

/** Accuracy ::= SEQUENCE { seconds INTEGER OPTIONAL, millis [0] OPTIONAL, micros [1] OPTIONAL }. */
export function accuracy(seconds?: number, millis?: number, micros?: number): Buffer {
  return seq(
    ...(seconds === undefined ? [] : [integer(smallInteger(seconds))]),
    ...(millis === undefined ? [] : [tlv(0x80, smallInteger(millis))]),
    ...(micros === undefined ? [] : [tlv(0x81, smallInteger(micros))])
  );
}

function smallInteger(value: number): Buffer {
  const bytes: number[] = [];
  for (let rest = value; rest > 0; rest = Math.floor(rest / 256)) bytes.unshift(rest & 0xff);
  if (bytes.length === 0 || (bytes[0] as number) & 0x80) bytes.unshift(0);
  return Buffer.from(bytes);
}

/** YYYYMMDDHHMMSS[.fff]Z, milliseconds written only when not zero (RFC 3161 drops trailing zeros). */
export function generalizedTime(date: Date): string {
  const iso = date.toISOString();
  const fraction = iso.slice(20, 23).replace(/0+$/, '');
  return iso.slice(0, 19).replace(/[-T:]/g, '') + (fraction === '' ? '' : `.${fraction}`) + 'Z';
}

/** The issuer Name and serial number INTEGER of a certificate, as encoded. */
function issuerAndSerial(der: Buffer): Buffer {
  const tbs = children(children(der)[0] as Buffer);
  const offset = (tbs[0] as Buffer)[0] === 0xa0 ? 1 : 0;
  return seq(tbs[offset + 2] as Buffer, tbs[offset] as Buffer);
}

/** The encoded children of one constructed element (definite lengths). */
function children(element: Buffer): Buffer[] {
  const { contentStart, end } = header(element, 0);
  const out: Buffer[] = [];
  for (let offset = contentStart; offset < end;) {
    const next = header(element, offset);
    out.push(element.subarray(offset, next.end));
    offset = next.end;
  }
  return out;
}

function header(bytes: Buffer, offset: number): { contentStart: number; end: number } {
  const first = bytes[offset + 1] as number;
  if (first < 0x80) return { contentStart: offset + 2, end: offset + 2 + first };
  const count = first & 0x7f;
  const length = bytes.subarray(offset + 2, offset + 2 + count).reduce((sum, octet) => sum * 256 + octet, 0);
  return { contentStart: offset + 2 + count, end: offset + 2 + count + length };
}

function signatureOidFor(key: KeyObject): string {
  return key.asymmetricKeyType === 'rsa' ? TSA_OIDS.sha256WithRsa : TSA_OIDS.ecdsaWithSha256;
}

/** A TimeStampToken over `signature`. */
export function timestampToken(signature: Uint8Array, options: TokenOptions): Buffer {
  const patch = { tstInfo: identity, signedAttributes: identity, essCertId: identity, signerInfo: identity, signedData: identity, contentInfo: identity, ...options.patch };
  const imprintHash = options.imprintHash ?? 'sha256';
  const digestHash = options.digestHash ?? 'sha256';
  const genTime = typeof options.genTime === 'string' ? options.genTime : generalizedTime(options.genTime);
  const accuracyField = options.accuracy === undefined ? accuracy(1) : options.accuracy;
  const tstInfo = seq(
    ...patch.tstInfo([
      integer([1]),
      oid(options.policy ?? TSA_OIDS.testPolicy),
      seq(algorithm(HASH_OID[imprintHash]), octets(createHash(imprintHash).update(signature).digest())),
      integer([0x12, 0x34, 0x56]),
      tlv(TAG.GENERALIZED_TIME, Buffer.from(genTime, 'latin1')),
      ...(accuracyField === null ? [] : [accuracyField]),
    ])
  );
  const certHash = createHash('sha256').update(options.signer.der).digest();
  const signedAttributes = patch.signedAttributes([
    attribute(TSA_OIDS.contentType, oid(TSA_OIDS.tstInfo)),
    attribute(TSA_OIDS.messageDigest, octets(createHash(digestHash).update(tstInfo).digest())),
    attribute(TSA_OIDS.signingCertificateV2, seq(seq(seq(...patch.essCertId([octets(certHash)]))))),
  ]);
  const signedAttributesSet = set(...signedAttributes);
  const key = options.signer.key;
  const signatureValue = key.asymmetricKeyType === 'rsa' ? sign(digestHash, signedAttributesSet, key) : sign(digestHash, signedAttributesSet, { key, dsaEncoding: 'der' });
  const signerInfo = seq(
    ...patch.signerInfo([
      integer([1]),
      issuerAndSerial(options.signer.der),
      algorithm(HASH_OID[digestHash]),
      tlv(0xa0, ...signedAttributes),
      algorithm(options.signatureOid ?? signatureOidFor(key)),
      octets(signatureValue),
    ])
  );
  const certificates = options.certificates ?? [options.signer.der];
  const signedData = seq(
    ...patch.signedData([
      integer([3]),
      set(algorithm(HASH_OID[digestHash])),
      seq(oid(TSA_OIDS.tstInfo), tlv(0xa0, octets(tstInfo))),
      ...(certificates.length === 0 ? [] : [tlv(0xa0, ...certificates)]),
      set(signerInfo),
    ])
  );
  return seq(...patch.contentInfo([oid(TSA_OIDS.signedData), tlv(0xa0, signedData)]));
}
