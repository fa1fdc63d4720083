/**
 * The few DER facts Node's `X509Certificate` does not expose on Node 20: the
 * outer signature algorithm (to refuse SHA-1, as notary `tuf/utils/x509.go`
 * `ValidateCertificate` does), the validity window as dates, and the subject
 * common name exactly as encoded. A tiny TLV walker, bounded by the input.
 */
interface Tlv {
  readonly tag: number;
  /** Where the tag byte is. */
  readonly offset: number;
  readonly start: number;
  readonly end: number;
}

export class DerError extends Error {}

/**
 * Reads one TLV, insisting on DER (X.690 10.1): definite lengths in the
 * shortest form. Go's encoding/asn1 and crypto/x509, which parse these bytes
 * in Notary, refuse BER length forms too; accepting them here would let one
 * key appear under several encodings (several key ids) and count twice.
 */
function readTlv(der: Uint8Array, offset: number, limit: number): Tlv {
  if (offset + 2 > limit) {
    throw new DerError('truncated DER header');
  }
  const tag = der[offset] as number;
  if ((tag & 0x1f) === 0x1f) {
    throw new DerError('high tag numbers are not used in certificates');
  }
  const lengthByte = der[offset + 1] as number;
  let start = offset + 2;
  let length = lengthByte;
  if (lengthByte & 0x80) {
    const count = lengthByte & 0x7f;
    if (count === 0 || count > 4 || start + count > limit) {
      throw new DerError('unsupported DER length');
    }
    if (der[start] === 0) {
      throw new DerError('DER length has a leading zero byte');
    }
    length = 0;
    for (let i = 0; i < count; i++) {
      length = length * 256 + (der[start + i] as number);
    }
    if (length < 0x80) {
      throw new DerError('DER length in long form where the short form is required');
    }
    start += count;
  }
  const end = start + length;
  if (end > limit) {
    throw new DerError('DER value runs past its container');
  }
  return { tag, offset, start, end };
}

function children(der: Uint8Array, parent: Tlv): Tlv[] {
  const result: Tlv[] = [];
  let offset = parent.start;
  while (offset < parent.end) {
    const child = readTlv(der, offset, parent.end);
    result.push(child);
    offset = child.end;
  }
  return result;
}

function nth(list: readonly Tlv[], index: number): Tlv {
  const item = list[index];
  if (item === undefined) {
    throw new DerError('certificate has too few fields');
  }
  return item;
}

const SEQUENCE = 0x30;
const OID = 0x06;
const UTC_TIME = 0x17;
const GENERALIZED_TIME = 0x18;
const CONTEXT_0 = 0xa0;

/** OID 2.5.4.3, id-at-commonName. */
const COMMON_NAME_OID = '550403';

/** SHA-1 and MD5 signature algorithms, refused for root certificates. */
const WEAK_SIGNATURE_OIDS = new Set([
  '2a864886f70d010105', // sha1WithRSAEncryption
  '2a864886f70d010104', // md5WithRSAEncryption
  '2a8648ce3d0401', // ecdsa-with-SHA1
  '2a8648ce380403', // dsa-with-sha1
]);

export interface CertificateFacts {
  readonly notBefore: Date;
  readonly notAfter: Date;
  readonly commonName: string | undefined;
  readonly weakSignatureAlgorithm: boolean;
  /** basicConstraints cA (RFC 5280 4.2.1.9; absent means false). */
  readonly isCA: boolean;
  /** The DER SubjectPublicKeyInfo. */
  readonly spki: Uint8Array;
}

/** OID 2.5.29.19, id-ce-basicConstraints. */
const BASIC_CONSTRAINTS_OID = '551d13';
const BOOLEAN = 0x01;
const OCTET_STRING = 0x04;
const BIT_STRING = 0x03;
const INTEGER = 0x02;
const NULL = 0x05;
const CONTEXT_3 = 0xa3;

export function readCertificateFacts(der: Uint8Array): CertificateFacts {
  const certificate = readTlv(der, 0, der.length);
  if (certificate.tag !== SEQUENCE || certificate.end !== der.length) {
    throw new DerError('not a DER certificate');
  }
  const [tbs, signatureAlgorithm] = children(der, certificate);
  if (tbs === undefined || signatureAlgorithm === undefined) {
    throw new DerError('certificate has too few fields');
  }
  const tbsFields = children(der, tbs);
  // tbsCertificate: [0] version (optional), serial, signature, issuer, validity, subject, ...
  const skip = nth(tbsFields, 0).tag === CONTEXT_0 ? 1 : 0;
  const validity = children(der, nth(tbsFields, skip + 3));
  const subject = nth(tbsFields, skip + 4);
  const spki = nth(tbsFields, skip + 5);
  let isCA = false;
  for (const field of tbsFields.slice(skip + 6)) {
    if (field.tag === CONTEXT_3) {
      isCA = readBasicConstraintsCA(der, field);
    }
  }
  const algorithmOid = nth(children(der, signatureAlgorithm), 0);
  if (algorithmOid.tag !== OID) {
    throw new DerError('signature algorithm is not an OID');
  }
  return {
    notBefore: readTime(der, nth(validity, 0)),
    notAfter: readTime(der, nth(validity, 1)),
    commonName: readCommonName(der, subject),
    weakSignatureAlgorithm: WEAK_SIGNATURE_OIDS.has(hex(der, algorithmOid)),
    isCA,
    spki: der.subarray(spki.offset, spki.end),
  };
}

function readBasicConstraintsCA(der: Uint8Array, explicit: Tlv): boolean {
  const extensions = nth(children(der, explicit), 0);
  for (const extension of children(der, extensions)) {
    const parts = children(der, extension);
    const oid = nth(parts, 0);
    const value = parts[parts.length - 1];
    if (oid.tag === OID && hex(der, oid) === BASIC_CONSTRAINTS_OID && value?.tag === OCTET_STRING) {
      const constraints = readTlv(der, value.start, value.end);
      const first = children(der, constraints)[0];
      return first?.tag === BOOLEAN && der[first.start] !== 0x00;
    }
  }
  return false;
}

export type SpkiKey =
  | { readonly kind: 'ec'; readonly curve: 'P-256' | 'P-384' | 'P-521'; readonly point: Uint8Array }
  | { readonly kind: 'rsa'; readonly modulus: Uint8Array; readonly exponent: Uint8Array }
  | { readonly kind: 'ed25519'; readonly raw: Uint8Array }
  | { readonly kind: 'other' };

const EC_PUBLIC_KEY_OID = '2a8648ce3d0201';
const RSA_ENCRYPTION_OID = '2a864886f70d010101';
const ED25519_OID = '2b6570';
const CURVES: Readonly<Record<string, 'P-256' | 'P-384' | 'P-521'>> = {
  '2a8648ce3d030107': 'P-256',
  '2b81040022': 'P-384',
  '2b81040023': 'P-521',
};

/**
 * Reads a DER SubjectPublicKeyInfo (RFC 5280 4.1.2.7). Importing keys from
 * these parts as JWK is 2-25x faster in Node than importing the SPKI, which
 * matters when every image of a first scan brings its own keys.
 */
export function readSpki(der: Uint8Array): SpkiKey {
  const spki = readTlv(der, 0, der.length);
  if (spki.tag !== SEQUENCE || spki.end !== der.length) {
    throw new DerError('not a DER SubjectPublicKeyInfo');
  }
  // Exactly { algorithm, subjectPublicKey }: an extra element would give one key
  // another encoding, and so another key id (see fingerprints in keys.ts).
  const [algorithm, key, ...extra] = children(der, spki);
  if (algorithm?.tag !== SEQUENCE || key?.tag !== BIT_STRING || extra.length > 0 || key.end === key.start || der[key.start] !== 0x00) {
    throw new DerError('malformed SubjectPublicKeyInfo');
  }
  const [oid, parameters, ...extraParameters] = children(der, algorithm);
  if (oid?.tag !== OID || extraParameters.length > 0) {
    throw new DerError('malformed SubjectPublicKeyInfo algorithm');
  }
  const keyBytes = der.subarray(key.start + 1, key.end);
  switch (hex(der, oid)) {
    case EC_PUBLIC_KEY_OID: {
      const curve = parameters?.tag === OID ? CURVES[hex(der, parameters)] : undefined;
      return curve === undefined ? { kind: 'other' } : { kind: 'ec', curve, point: keyBytes };
    }
    case RSA_ENCRYPTION_OID: {
      // RFC 3279 2.3.1: the parameters are NULL (Go's x509 refuses a missing NULL).
      if (parameters?.tag !== NULL || parameters.end !== parameters.start) {
        throw new DerError('RSA key parameters are not NULL');
      }
      const rsaKey = readTlv(keyBytes, 0, keyBytes.length);
      const [modulus, exponent, ...extraFields] = children(keyBytes, rsaKey);
      if (rsaKey.tag !== SEQUENCE || rsaKey.end !== keyBytes.length || modulus?.tag !== INTEGER || exponent?.tag !== INTEGER || extraFields.length > 0) {
        throw new DerError('malformed RSA public key');
      }
      return { kind: 'rsa', modulus: positiveInteger(keyBytes, modulus), exponent: positiveInteger(keyBytes, exponent) };
    }
    case ED25519_OID:
      // RFC 8410 3: the parameters are absent.
      if (parameters !== undefined) {
        throw new DerError('Ed25519 key has algorithm parameters');
      }
      return { kind: 'ed25519', raw: keyBytes };
    default:
      return { kind: 'other' };
  }
}

/**
 * The magnitude of a DER INTEGER that must be positive, without its sign byte.
 * X.690 8.3.2: the encoding is minimal (no redundant leading 0x00 or 0xff), as
 * Go's asn1 parser insists ("integer not minimally-encoded").
 */
function positiveInteger(der: Uint8Array, tlv: Tlv): Uint8Array {
  const bytes = der.subarray(tlv.start, tlv.end);
  const [first, second] = bytes;
  if (first === undefined) {
    throw new DerError('empty DER integer');
  }
  if (second !== undefined && ((first === 0x00 && second < 0x80) || (first === 0xff && second >= 0x80))) {
    throw new DerError('DER integer is not minimally encoded');
  }
  if (first >= 0x80 || (first === 0x00 && second === undefined)) {
    throw new DerError('RSA key integer is not positive');
  }
  return first === 0x00 ? bytes.subarray(1) : bytes;
}

function hex(der: Uint8Array, tlv: Tlv): string {
  return Buffer.from(der.subarray(tlv.start, tlv.end)).toString('hex');
}

function readCommonName(der: Uint8Array, name: Tlv): string | undefined {
  let commonName: string | undefined;
  // Name ::= SEQUENCE OF SET OF AttributeTypeAndValue; Go keeps the last CN it meets.
  for (const relativeName of children(der, name)) {
    for (const attribute of children(der, relativeName)) {
      const [type, value] = children(der, attribute);
      if (type?.tag === OID && value !== undefined && hex(der, type) === COMMON_NAME_OID) {
        const bytes = Buffer.from(der.subarray(value.start, value.end));
        commonName = value.tag === 0x1e ? bytes.swap16().toString('utf16le') : bytes.toString('utf8');
      }
    }
  }
  return commonName;
}

function readTime(der: Uint8Array, tlv: Tlv): Date {
  const text = Buffer.from(der.subarray(tlv.start, tlv.end)).toString('latin1');
  let match: RegExpExecArray | null;
  let year: number;
  if (tlv.tag === UTC_TIME && (match = /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(text))) {
    const yy = Number(match[1]);
    year = yy >= 50 ? 1900 + yy : 2000 + yy; // RFC 5280 4.1.2.5.1
  } else if (tlv.tag === GENERALIZED_TIME && (match = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(text))) {
    year = Number(match[1]);
  } else {
    throw new DerError('certificate validity time is malformed');
  }
  const [, , mo, d, h, mi, s] = match.map(Number);
  const date = new Date(0);
  date.setUTCFullYear(year, (mo as number) - 1, d);
  date.setUTCHours(h as number, mi, s, 0);
  return date;
}
