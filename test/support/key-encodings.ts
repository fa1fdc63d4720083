/**
 * One public key, several encodings. Notary computes a key id over the base64
 * text of a key, so the same public key re-encoded is listed under another key
 * id; Go's DER parser (encoding/asn1, crypto/x509 via cryptobyte) refuses some
 * of these encodings and accepts others. These helpers make the variants for
 * the differential fuzzer and for regression tests of "thresholds count
 * distinct public keys, and only strictly encoded ones".
 *
 * Independent of src/: a tiny DER reader and writer of its own.
 */
import { constants, generateKeyPairSync, sign as nodeSign } from 'node:crypto';

import { keyIdOf, type SigningKey } from './trust-factory.js';

interface DerNode {
  readonly tag: number;
  readonly content: Buffer;
}

const SEQUENCE = 0x30;
const BIT_STRING = 0x03;
const INTEGER = 0x02;
const NULL = 0x05;

/** Reads one DER element at `offset`; returns it and where the next one starts. */
function readElement(der: Buffer, offset: number): { node: DerNode; next: number } {
  const tag = der[offset];
  const first = der[offset + 1];
  if (tag === undefined || first === undefined) {
    throw new Error('truncated DER');
  }
  let length = first;
  let start = offset + 2;
  if (first & 0x80) {
    const count = first & 0x7f;
    length = 0;
    for (let i = 0; i < count; i++) {
      length = length * 256 + (der[start + i] ?? 0);
    }
    start += count;
  }
  if (start + length > der.length) {
    throw new Error('DER element runs past its container');
  }
  return { node: { tag, content: der.subarray(start, start + length) }, next: start + length };
}

function readChildren(content: Buffer): DerNode[] {
  const children: DerNode[] = [];
  let offset = 0;
  while (offset < content.length) {
    const { node, next } = readElement(content, offset);
    children.push(node);
    offset = next;
  }
  return children;
}

/** The DER length octets: minimal unless `longForm`, which spends one more byte than needed. */
function encodeLength(length: number, longForm: boolean): Buffer {
  if (length < 0x80 && !longForm) {
    return Buffer.from([length]);
  }
  const octets: number[] = [];
  for (let rest = length; rest > 0; rest = Math.floor(rest / 256)) {
    octets.unshift(rest & 0xff);
  }
  if (length >= 0x80 && longForm) {
    octets.unshift(0x00); // a leading zero octet: long form, but not minimal (DER forbids it)
  }
  if (octets.length === 0) {
    octets.push(0x00);
  }
  return Buffer.from([0x80 | octets.length, ...octets]);
}

function encodeElement(tag: number, content: Buffer, longForm = false): Buffer {
  return Buffer.concat([Buffer.from([tag]), encodeLength(content.length, longForm), content]);
}

function parseSpki(publicB64: string): { algorithm: DerNode; key: DerNode; rest: DerNode[] } {
  const der = Buffer.from(publicB64, 'base64');
  const { node: outer, next } = readElement(der, 0);
  if (outer.tag !== SEQUENCE || next !== der.length) {
    throw new Error('not a DER SubjectPublicKeyInfo (Notary ed25519 keys are raw 32 bytes, certificates are PEM)');
  }
  const [algorithm, key, ...rest] = readChildren(outer.content);
  if (algorithm?.tag !== SEQUENCE || key?.tag !== BIT_STRING) {
    throw new Error('malformed SubjectPublicKeyInfo');
  }
  return { algorithm, key, rest };
}

function toBase64(der: Buffer): string {
  return der.toString('base64');
}

/**
 * The SPKI with one length in long form where DER requires the short form:
 * the outer SEQUENCE when it is shorter than 128 bytes (P-256), else the
 * AlgorithmIdentifier (RSA). Go's encoding/asn1 refuses it ("non-minimal length").
 */
export function spkiWithLongFormLength(publicB64: string): string {
  const { algorithm, key, rest } = parseSpki(publicB64);
  const algorithmDer = encodeElement(SEQUENCE, algorithm.content);
  const body = Buffer.concat([algorithmDer, encodeElement(BIT_STRING, key.content), ...rest.map((n) => encodeElement(n.tag, n.content))]);
  if (body.length < 0x80) {
    return toBase64(encodeElement(SEQUENCE, body, true));
  }
  const longAlgorithm = encodeElement(SEQUENCE, algorithm.content, true);
  return toBase64(encodeElement(SEQUENCE, Buffer.concat([longAlgorithm, body.subarray(algorithmDer.length)])));
}

/**
 * The SPKI with an extra NULL after the BIT STRING. Go's encoding/asn1 ignores
 * trailing fields of a SEQUENCE it decodes into a struct (room for X.509
 * extensions), so the Notary client accepts this key as the original one.
 */
export function spkiWithTrailingElement(publicB64: string): string {
  const { algorithm, key, rest } = parseSpki(publicB64);
  return toBase64(
    encodeElement(
      SEQUENCE,
      Buffer.concat([
        encodeElement(SEQUENCE, algorithm.content),
        encodeElement(BIT_STRING, key.content),
        ...rest.map((n) => encodeElement(n.tag, n.content)),
        encodeElement(NULL, Buffer.alloc(0)),
      ])
    )
  );
}

/**
 * An RSA SPKI whose modulus INTEGER carries one more leading zero byte than
 * DER allows. cryptobyte's ReadASN1Integer (Go crypto/x509) refuses it.
 */
export function rsaSpkiWithExtraLeadingZero(publicB64: string): string {
  const { algorithm, key, rest } = parseSpki(publicB64);
  if (key.content[0] !== 0x00) {
    throw new Error('SPKI BIT STRING has unused bits');
  }
  const { node: rsaPublicKey } = readElement(key.content.subarray(1), 0);
  const [modulus, exponent] = readChildren(rsaPublicKey.content);
  if (rsaPublicKey.tag !== SEQUENCE || modulus?.tag !== INTEGER || exponent?.tag !== INTEGER) {
    throw new Error('not an RSA SubjectPublicKeyInfo');
  }
  const paddedModulus = encodeElement(INTEGER, Buffer.concat([Buffer.from([0x00]), modulus.content]));
  const rsaDer = encodeElement(SEQUENCE, Buffer.concat([paddedModulus, encodeElement(INTEGER, exponent.content)]));
  return toBase64(
    encodeElement(
      SEQUENCE,
      Buffer.concat([
        encodeElement(SEQUENCE, algorithm.content),
        encodeElement(BIT_STRING, Buffer.concat([Buffer.from([0x00]), rsaDer])),
        ...rest.map((n) => encodeElement(n.tag, n.content)),
      ])
    )
  );
}

/**
 * An RSA key, keytype `rsa` (SPKI). By default 2048 bits signing with method
 * `rsapss`: RSASSA-PSS over SHA-256 with a 32-byte salt, as notary's
 * cryptoservice signs and its RSAPSSVerifier verifies
 * (PSSSaltLengthEqualsHash); `rsapkcs1v15` signs with PKCS #1 v1.5.
 */
export function rsaKey(options: { readonly bits?: number; readonly method?: 'rsapss' | 'rsapkcs1v15' } = {}): SigningKey {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: options.bits ?? 2048 });
  const publicB64 = publicKey.export({ format: 'der', type: 'spki' }).toString('base64');
  const method = options.method ?? 'rsapss';
  const padding = method === 'rsapss' ? { padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 } : { padding: constants.RSA_PKCS1_PADDING };
  return {
    keytype: 'rsa',
    publicB64,
    id: keyIdOf('rsa', publicB64),
    sign: async (message) => ({ method, sig: nodeSign('sha256', message, { key: privateKey, ...padding }).toString('base64') }),
  };
}

/** The same signer listed under another encoding of its public key: its own key id, same signatures. */
export function withPublicKey(key: SigningKey, publicB64: string): SigningKey {
  return { keytype: key.keytype, publicB64, id: keyIdOf(key.keytype, publicB64), sign: (message) => key.sign(message) };
}
