/**
 * The few DER facts Node's `X509Certificate` does not expose on Node 20: the
 * outer signature algorithm (to refuse SHA-1, as notary `tuf/utils/x509.go`
 * `ValidateCertificate` does), the validity window as dates, and the subject
 * common name exactly as encoded. A tiny TLV walker, bounded by the input.
 */
interface Tlv {
  readonly tag: number;
  readonly start: number;
  readonly end: number;
}

export class DerError extends Error {}

function readTlv(der: Uint8Array, offset: number, limit: number): Tlv {
  if (offset + 2 > limit) {
    throw new DerError('truncated DER header');
  }
  const tag = der[offset] as number;
  if ((tag & 0x1f) === 0x1f) {
    throw new DerError('high tag numbers are not used in certificates');
  }
  let lengthByte = der[offset + 1] as number;
  let start = offset + 2;
  let length = lengthByte;
  if (lengthByte & 0x80) {
    const count = lengthByte & 0x7f;
    if (count === 0 || count > 4 || start + count > limit) {
      throw new DerError('unsupported DER length');
    }
    length = 0;
    for (let i = 0; i < count; i++) {
      lengthByte = der[start + i] as number;
      length = length * 256 + lengthByte;
    }
    start += count;
  }
  const end = start + length;
  if (end > limit) {
    throw new DerError('DER value runs past its container');
  }
  return { tag, start, end };
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
}

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
  const algorithmOid = nth(children(der, signatureAlgorithm), 0);
  if (algorithmOid.tag !== OID) {
    throw new DerError('signature algorithm is not an OID');
  }
  return {
    notBefore: readTime(der, nth(validity, 0)),
    notAfter: readTime(der, nth(validity, 1)),
    commonName: readCommonName(der, subject),
    weakSignatureAlgorithm: WEAK_SIGNATURE_OIDS.has(hex(der, algorithmOid)),
  };
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
  } else if (
    tlv.tag === GENERALIZED_TIME &&
    (match = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(text))
  ) {
    year = Number(match[1]);
  } else {
    throw new DerError('certificate validity time is malformed');
  }
  const [, , mo, d, h, mi, s] = match.map(Number) as number[];
  const date = new Date(0);
  date.setUTCFullYear(year, (mo as number) - 1, d);
  date.setUTCHours(h as number, mi, s, 0);
  return date;
}
