/**
 * One X.509 certificate as the Notation verifier needs it: node:crypto's
 * `X509Certificate` for the signature checks and dates, plus what it does not
 * expose, read with ./der.ts: key usage bits, basic constraints with path
 * length, extended key usages, the critical extensions, and the subject as
 * RDNs for trusted-identity matching.
 */
import { X509Certificate } from 'node:crypto';

import { sha256Hex } from '../../lib/digest.js';
import { childrenOf, decodeOid, DER_BIT_STRING, DER_BOOLEAN, DER_INTEGER, DER_OCTET_STRING, DER_OID, DER_SEQUENCE, DER_SET, DerError, readDerElement, type DerElement } from './der.js';

/** Key usage bits as RFC 5280 §4.2.1.3 numbers them, as masks over the first two content octets. */
export const KEY_USAGE_DIGITAL_SIGNATURE = 0x8000;
export const KEY_USAGE_KEY_CERT_SIGN = 0x0400;

export const EKU_CODE_SIGNING = '1.3.6.1.5.5.7.3.3';
export const EKU_TIME_STAMPING = '1.3.6.1.5.5.7.3.8';

const OID_KEY_USAGE = '2.5.29.15';
const OID_BASIC_CONSTRAINTS = '2.5.29.19';
const OID_EXTENDED_KEY_USAGE = '2.5.29.37';
/**
 * Critical extensions a verifier may meet without acting on them (Go's
 * crypto/x509, which notation uses, marks every other critical extension as
 * unhandled and refuses the chain). Name constraints are left out on purpose:
 * a critical constraint this verifier does not enforce must fail.
 */
const UNDERSTOOD_EXTENSIONS = new Set([OID_KEY_USAGE, OID_BASIC_CONSTRAINTS, OID_EXTENDED_KEY_USAGE, '2.5.29.14', '2.5.29.35', '2.5.29.17', '2.5.29.32']);

/** Attribute types by the short names Go's pkix.Name prints and notation's identities use. */
const ATTRIBUTE_NAMES: ReadonlyMap<string, string> = new Map([
  ['2.5.4.3', 'CN'],
  ['2.5.4.5', 'SERIALNUMBER'],
  ['2.5.4.6', 'C'],
  ['2.5.4.7', 'L'],
  ['2.5.4.8', 'ST'],
  ['2.5.4.9', 'STREET'],
  ['2.5.4.10', 'O'],
  ['2.5.4.11', 'OU'],
  ['2.5.4.17', 'POSTALCODE'],
]);

export interface NotationCertificate {
  readonly der: Uint8Array;
  readonly x509: X509Certificate;
  /** Lower-case hex SHA-256 of the DER: notation's thumbprint (`io.cncf.notary.x509chain.thumbprint#S256`). */
  readonly thumbprint: string;
  /** The subject as node:crypto prints it, one line, for reports. */
  readonly subjectText: string;
  /**
   * The subject's attributes by short name, or null when the subject holds an
   * attribute type without a short name, a multi-valued RDN, a repeated type
   * or an unreadable string: notation-go cannot parse such a subject as a DN
   * either, so it matches no identity but `*`.
   */
  readonly subjectAttributes: ReadonlyMap<string, string> | null;
  readonly notBefore: Date;
  readonly notAfter: Date;
  /** Key usage bits (see the masks above), or null without the extension. */
  readonly keyUsage: number | null;
  readonly basicConstraints: { readonly ca: boolean; readonly pathLength: number | null } | null;
  /** Extended key usage OIDs, or null without the extension. */
  readonly extendedKeyUsage: readonly string[] | null;
  /** The extended key usage extension is marked critical (RFC 3161 §2.3 requires it of a TSA certificate). */
  readonly extendedKeyUsageCritical: boolean;
  /** The issuer Name's content octets and the serial number INTEGER's, as a CMS IssuerAndSerialNumber names a certificate. */
  readonly issuerName: Uint8Array;
  readonly serialNumber: Uint8Array;
  /** Critical extensions this verifier does not understand. */
  readonly unknownCriticalExtensions: readonly string[];
  /** Subject equals issuer and the certificate's own key verifies its signature. */
  readonly selfSigned: boolean;
}

/** Parses one DER certificate; null when node:crypto or the DER walk refuses it. */
export function parseCertificate(der: Uint8Array): NotationCertificate | null {
  let x509: X509Certificate;
  try {
    x509 = new X509Certificate(der);
    // OpenSSL decodes the key lazily: a certificate whose key does not decode
    // parses, then throws from every use of `publicKey`. Refuse it here.
    void x509.publicKey;
  } catch {
    return null;
  }
  try {
    return describe(der, x509);
  } catch (error) {
    /* c8 ignore next -- only DerError is thrown by the walk; anything else is a bug to surface */
    if (!(error instanceof DerError)) throw error;
    return null;
  }
}

function describe(der: Uint8Array, x509: X509Certificate): NotationCertificate {
  const [tbs] = childrenOf(readDerElement(der, DER_SEQUENCE));
  // node:crypto parsed the certificate, so the outer structure is there.
  const fields = childrenOf(tbs as DerElement);
  const offset = fields[0]?.tag === 0xa0 ? 1 : 0;
  const serialNumber = (fields[offset] as DerElement).content;
  const issuer = fields[offset + 2] as DerElement;
  const subject = fields[offset + 4] as DerElement;
  const extensionsField = fields.slice(offset + 6).find((field) => field.tag === 0xa3);
  let keyUsage: number | null = null;
  let basicConstraints: NotationCertificate['basicConstraints'] = null;
  let extendedKeyUsage: string[] | null = null;
  let extendedKeyUsageCritical = false;
  const unknownCriticalExtensions: string[] = [];
  if (extensionsField !== undefined) {
    for (const extension of childrenOf(readDerElement(extensionsField.content, DER_SEQUENCE))) {
      const parts = childrenOf(extension);
      const oid = decodeOid(expectTag(parts[0], DER_OID).content);
      const critical = parts[1]?.tag === DER_BOOLEAN && parts[1].content[0] !== 0;
      const value = expectTag(parts[parts.length - 1], DER_OCTET_STRING).content;
      if (oid === OID_KEY_USAGE) keyUsage = readKeyUsage(value);
      else if (oid === OID_BASIC_CONSTRAINTS) basicConstraints = readBasicConstraints(value);
      else if (oid === OID_EXTENDED_KEY_USAGE) {
        extendedKeyUsage = childrenOf(readDerElement(value, DER_SEQUENCE)).map((child) => decodeOid(expectTag(child, DER_OID).content));
        extendedKeyUsageCritical = critical;
      } else if (critical && !UNDERSTOOD_EXTENSIONS.has(oid)) unknownCriticalExtensions.push(oid);
    }
  }
  const selfSigned = Buffer.from(issuer.content).equals(subject.content) && x509.verify(x509.publicKey);
  return {
    der,
    x509,
    thumbprint: sha256Hex(der),
    subjectText: x509.subject.split('\n').join(', '),
    subjectAttributes: readAttributes(subject),
    notBefore: new Date(x509.validFrom),
    notAfter: new Date(x509.validTo),
    keyUsage,
    basicConstraints,
    extendedKeyUsage,
    extendedKeyUsageCritical,
    issuerName: issuer.content,
    serialNumber,
    unknownCriticalExtensions,
    selfSigned,
  };
}

function expectTag(element: DerElement | undefined, tag: number): DerElement {
  if (element?.tag !== tag) throw new DerError(`expected tag 0x${tag.toString(16)}`);
  return element;
}

function readKeyUsage(value: Uint8Array): number {
  const bits = readDerElement(value, DER_BIT_STRING).content;
  return ((bits[1] ?? 0) << 8) | (bits[2] ?? 0);
}

function readBasicConstraints(value: Uint8Array): { ca: boolean; pathLength: number | null } {
  const parts = childrenOf(readDerElement(value, DER_SEQUENCE));
  let ca = false;
  let pathLength: number | null = null;
  for (const part of parts) {
    if (part.tag === DER_BOOLEAN) ca = part.content[0] !== 0;
    else if (part.tag === DER_INTEGER && part.content.length <= 2) pathLength = part.content.reduce((sum, octet) => sum * 256 + octet, 0);
    else throw new DerError('malformed basic constraints');
  }
  return { ca, pathLength };
}

function readAttributes(name: DerElement): Map<string, string> | null {
  const attributes = new Map<string, string>();
  for (const rdn of childrenOf(name)) {
    // OpenSSL has already refused an RDN that is not a SET; a SET of several members is a multi-valued RDN.
    /* c8 ignore next */
    const members = rdn.tag === DER_SET ? childrenOf(rdn) : [];
    if (members.length !== 1) return null;
    const [type, value] = childrenOf(members[0] as DerElement);
    const shortName = ATTRIBUTE_NAMES.get(decodeOid(expectTag(type, DER_OID).content));
    // OpenSSL has already refused an attribute without a value; the missing value reads as no string type.
    /* c8 ignore next */
    const text = decodeDirectoryString(value ?? { tag: 0, content: new Uint8Array(0) });
    if (shortName === undefined || text === null || attributes.has(shortName)) return null;
    attributes.set(shortName, text);
  }
  return attributes;
}

function decodeDirectoryString(value: DerElement): string | null {
  switch (value.tag) {
    case 0x0c: // UTF8String
      try {
        /* c8 ignore next 4 -- node:crypto (OpenSSL) refuses a certificate whose UTF8String is not UTF-8 before this runs; kept so that the reader fails closed on its own */
        return new TextDecoder('utf-8', { fatal: true }).decode(value.content);
      } catch {
        return null;
      }
    case 0x13: // PrintableString
    case 0x16: // IA5String
      return value.content.every((octet) => octet < 0x80) ? Buffer.from(value.content).toString('latin1') : null;
    case 0x14: // TeletexString, read as Latin-1 as Go does
      return Buffer.from(value.content).toString('latin1');
    case 0x1e: // BMPString, UTF-16 big-endian; OpenSSL refuses an odd length before this runs
      /* c8 ignore next */
      return value.content.length % 2 === 0 ? Buffer.from(value.content).swap16().toString('utf16le') : null;
    /* c8 ignore next 2 -- OpenSSL refuses a Name whose values are not string types, or missing, before this runs */
    default:
      return null;
  }
}
