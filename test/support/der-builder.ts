/**
 * DER written by hand, for the byte-level cases of the verification core:
 * malformed lengths and fields, and X.509 certificates with exactly the
 * subject, validity, extensions and signature algorithm a test needs (no
 * openssl: certificates here are made at an instant the test chooses, and
 * nothing checks their own signature, as Notary does not either).
 *
 * Independent of src/: its own encoder, its own PEM writer.
 */
import { generateKeyPairSync, sign as nodeSign, type KeyObject } from 'node:crypto';

import { keyIdOf, type SigningKey } from './trust-factory.js';

export const TAG = {
  BOOLEAN: 0x01,
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  NULL: 0x05,
  OID: 0x06,
  UTF8_STRING: 0x0c,
  PRINTABLE_STRING: 0x13,
  UTC_TIME: 0x17,
  GENERALIZED_TIME: 0x18,
  BMP_STRING: 0x1e,
  SEQUENCE: 0x30,
  SET: 0x31,
  CONTEXT_0: 0xa0,
  CONTEXT_3: 0xa3,
} as const;

export const OIDS = {
  commonName: '550403',
  basicConstraints: '551d13',
  keyUsage: '551d0f',
  ecPublicKey: '2a8648ce3d0201',
  rsaEncryption: '2a864886f70d010101',
  ed25519: '2b6570',
  dsa: '2a8648ce380401',
  p256: '2a8648ce3d030107',
  p384: '2b81040022',
  ecdsaWithSha256: '2a8648ce3d040302',
  ecdsaWithSha1: '2a8648ce3d0401',
  sha1WithRsa: '2a864886f70d010105',
} as const;

/** DER length octets, shortest form. */
function lengthOctets(length: number): Buffer {
  if (length < 0x80) {
    return Buffer.from([length]);
  }
  const octets: number[] = [];
  for (let rest = length; rest > 0; rest = Math.floor(rest / 256)) {
    octets.unshift(rest & 0xff);
  }
  return Buffer.from([0x80 | octets.length, ...octets]);
}

/** One TLV with a DER length. */
export function tlv(tag: number, ...content: Uint8Array[]): Buffer {
  const body = Buffer.concat(content);
  return Buffer.concat([Buffer.from([tag]), lengthOctets(body.length), body]);
}

export const seq = (...content: Uint8Array[]): Buffer => tlv(TAG.SEQUENCE, ...content);
export const oid = (hex: string): Buffer => tlv(TAG.OID, Buffer.from(hex, 'hex'));
export const nullValue = (): Buffer => tlv(TAG.NULL);
export const integer = (bytes: readonly number[] | Uint8Array): Buffer => tlv(TAG.INTEGER, Buffer.from(bytes));
/** A BIT STRING with no unused bits. */
export const bitString = (bytes: Uint8Array): Buffer => tlv(TAG.BIT_STRING, Buffer.from([0x00]), bytes);

/** SubjectPublicKeyInfo from its parts. */
export function spki(algorithm: Buffer, key: Uint8Array): Buffer {
  return seq(algorithm, bitString(key));
}

/** An RSA SubjectPublicKeyInfo around the given modulus and exponent INTEGER contents (sign bytes as given). */
export function rsaSpki(modulus: Uint8Array, exponent: Uint8Array = Buffer.from([0x01, 0x00, 0x01])): Buffer {
  return spki(seq(oid(OIDS.rsaEncryption), nullValue()), seq(integer(modulus), integer(exponent)));
}

function twoDigits(value: number): string {
  return String(value).padStart(2, '0');
}

/** UTCTime for 1950-2049 (RFC 5280 4.1.2.5), GeneralizedTime otherwise. */
export function time(date: Date): Buffer {
  const year = date.getUTCFullYear();
  const rest = twoDigits(date.getUTCMonth() + 1) + twoDigits(date.getUTCDate()) + twoDigits(date.getUTCHours()) + twoDigits(date.getUTCMinutes()) + twoDigits(date.getUTCSeconds()) + 'Z';
  if (year >= 1950 && year < 2050) {
    return tlv(TAG.UTC_TIME, Buffer.from(twoDigits(year % 100) + rest, 'latin1'));
  }
  return tlv(TAG.GENERALIZED_TIME, Buffer.from(String(year).padStart(4, '0') + rest, 'latin1'));
}

/** A Name with one RDN per attribute value (commonName each); no CN at all for an empty list. */
export function name(...commonNames: Buffer[]): Buffer {
  return seq(...commonNames.map((value) => tlv(TAG.SET, seq(oid(OIDS.commonName), value))));
}

export const utf8 = (text: string): Buffer => tlv(TAG.UTF8_STRING, Buffer.from(text, 'utf8'));
export const bmp = (text: string): Buffer => tlv(TAG.BMP_STRING, Buffer.from(text, 'utf16le').swap16());

/** An Extension ::= SEQUENCE { extnID, critical BOOLEAN DEFAULT FALSE, extnValue OCTET STRING }. */
export function extension(oidHex: string, value: Buffer, critical = false): Buffer {
  return seq(oid(oidHex), ...(critical ? [tlv(TAG.BOOLEAN, Buffer.from([0xff]))] : []), tlv(TAG.OCTET_STRING, value));
}

/** basicConstraints: cA TRUE, FALSE encoded explicitly, or left out (DER's default, as openssl writes CA:FALSE). */
export function basicConstraints(ca: 'true' | 'explicit-false' | 'absent', pathLength?: number): Buffer {
  const fields = [
    ...(ca === 'true' ? [tlv(TAG.BOOLEAN, Buffer.from([0xff]))] : ca === 'explicit-false' ? [tlv(TAG.BOOLEAN, Buffer.from([0x00]))] : []),
    ...(pathLength === undefined ? [] : [integer([pathLength])]),
  ];
  return extension(OIDS.basicConstraints, seq(...fields), true);
}

export interface CertificateOptions {
  readonly spki: Buffer;
  readonly notBefore: Date;
  readonly notAfter: Date;
  /** The subject Name (default: CN as a UTF8String). */
  readonly subject?: Buffer;
  readonly commonName?: string;
  /** Extensions, or undefined for a certificate without the [3] field. */
  readonly extensions?: readonly Buffer[] | undefined;
  readonly signatureOid?: string;
  /** Leave out the [0] version field (a v1 certificate). */
  readonly v1?: boolean;
}

/** A certificate DER; its signature value is not a real signature (nothing verifies it). */
export function certificate(options: CertificateOptions): Buffer {
  const signatureAlgorithm = seq(oid(options.signatureOid ?? OIDS.ecdsaWithSha256));
  const subject = options.subject ?? name(utf8(options.commonName ?? 'example'));
  const tbs = seq(
    ...(options.v1 === true ? [] : [tlv(TAG.CONTEXT_0, integer([2]))]),
    integer([0x01, 0x02]),
    signatureAlgorithm,
    subject,
    seq(time(options.notBefore), time(options.notAfter)),
    subject,
    options.spki,
    ...(options.extensions === undefined ? [] : [tlv(TAG.CONTEXT_3, seq(...options.extensions))])
  );
  return seq(tbs, signatureAlgorithm, bitString(Buffer.alloc(8, 0x5a)));
}

/** Go's pem.Encode: 64-column base64 lines, one trailing newline. */
export function pem(der: Uint8Array): string {
  const lines =
    Buffer.from(der)
      .toString('base64')
      .match(/.{1,64}/g) ?? [];
  return `-----BEGIN CERTIFICATE-----\n${lines.join('\n')}\n-----END CERTIFICATE-----\n`;
}

/** A fresh P-256 key pair and its SPKI DER. */
export function p256(): { spki: Buffer; privateKey: KeyObject } {
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  return { spki: publicKey.export({ format: 'der', type: 'spki' }), privateKey };
}

export type CertificateKeyOptions = Omit<CertificateOptions, 'spki'> & {
  /** Intermediate certificates placed after the leaf in the bundle. */
  readonly intermediates?: readonly Buffer[];
};

/** An `ecdsa-x509` signing key whose certificate (and bundle) is built by hand. */
export function certificateKey(options: CertificateKeyOptions): SigningKey & { readonly leaf: Buffer } {
  const { spki: spkiDer, privateKey } = p256();
  const leaf = certificate({ ...options, spki: spkiDer });
  const bundle = [leaf, ...(options.intermediates ?? [])].map(pem).join('');
  const publicB64 = Buffer.from(bundle, 'latin1').toString('base64');
  return {
    keytype: 'ecdsa-x509',
    publicB64,
    id: keyIdOf('ecdsa-x509', publicB64),
    leaf,
    sign: async (message) => ({
      method: 'ecdsa',
      sig: nodeSign('sha256', message, { key: privateKey, dsaEncoding: 'ieee-p1363' }).toString('base64'),
    }),
  };
}
