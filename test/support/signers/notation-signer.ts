/**
 * A test-side Notation signer, written from the Notary Project signature
 * specification (docs/signature-systems.md §4) and not from src/: a root CA
 * and code-signing leaves made with the openssl command, JWS and COSE
 * envelopes signed with node:crypto, and the trust store and policy that
 * trust them. Its CBOR encoder is its own, encoding only.
 */
import { constants, createPrivateKey, sign, X509Certificate, type KeyObject } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { run } from '../processes.js';

export type LeafKind = 'rsa-2048' | 'rsa-3072' | 'rsa-4096' | 'p256' | 'p384' | 'p521';
export type Alg = 'PS256' | 'PS384' | 'PS512' | 'ES256' | 'ES384' | 'ES512';

export const ALG_FOR: Readonly<Record<LeafKind, Alg>> = { 'rsa-2048': 'PS256', 'rsa-3072': 'PS384', 'rsa-4096': 'PS512', p256: 'ES256', p384: 'ES384', p521: 'ES512' };
const COSE_ALG: Readonly<Record<Alg, number>> = { PS256: -37, PS384: -38, PS512: -39, ES256: -7, ES384: -35, ES512: -36 };
const HASH: Readonly<Record<Alg, [string, number]>> = {
  PS256: ['sha256', 32],
  PS384: ['sha384', 48],
  PS512: ['sha512', 64],
  ES256: ['sha256', 32],
  ES384: ['sha384', 48],
  ES512: ['sha512', 64],
};
export const PAYLOAD_TYPE = 'application/vnd.cncf.notary.payload.v1+json';

export interface TestCertificate {
  readonly pem: string;
  readonly der: Buffer;
}

export interface TestLeaf extends TestCertificate {
  readonly key: KeyObject;
  readonly kind: LeafKind;
}

function keyArgs(kind: LeafKind): string[] {
  if (kind.startsWith('rsa-')) return ['-algorithm', 'RSA', '-pkeyopt', `rsa_keygen_bits:${kind.slice(4)}`];
  const curve = { p256: 'P-256', p384: 'P-384', p521: 'P-521' }[kind as 'p256'];
  return ['-algorithm', 'EC', '-pkeyopt', `ec_paramgen_curve:${curve}`];
}

async function certificateAt(file: string): Promise<TestCertificate> {
  const pem = await readFile(file, 'utf8');
  return { pem, der: Buffer.from(new X509Certificate(pem).raw) };
}

/** A self-signed root CA (RSA 3072) with subject `/C=US/ST=WA/O=<org>/CN=<cn>`. */
export async function makeRoot(dir: string, name: string, org = 'Test Org'): Promise<TestCertificate & { readonly keyFile: string; readonly certFile: string }> {
  const keyFile = join(dir, `${name}.key`);
  const certFile = join(dir, `${name}.crt`);
  await run('openssl', ['genpkey', ...keyArgs('rsa-3072'), '-out', keyFile]);
  await run('openssl', [
    'req',
    '-new',
    '-x509',
    '-key',
    keyFile,
    '-out',
    certFile,
    '-days',
    '3650',
    '-sha256',
    '-subj',
    `/C=US/ST=WA/O=${org}/CN=${name}`,
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  return { ...(await certificateAt(certFile)), keyFile, certFile };
}

/**
 * A certificate issued by `issuer` with the given key kind, subject and
 * extensions (default: a code-signing leaf), valid from now for `days`.
 */
export async function issue(
  dir: string,
  name: string,
  issuer: { keyFile: string; certFile: string },
  options: { kind?: LeafKind; subject?: string; days?: number; extensions?: string } = {}
): Promise<TestLeaf & { readonly keyFile: string; readonly certFile: string }> {
  const kind = options.kind ?? 'p256';
  const keyFile = join(dir, `${name}.key`);
  const csrFile = join(dir, `${name}.csr`);
  const certFile = join(dir, `${name}.crt`);
  const extFile = join(dir, `${name}.ext`);
  await writeFile(extFile, options.extensions ?? 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=codeSigning\n');
  await run('openssl', ['genpkey', ...keyArgs(kind), '-out', keyFile]);
  await run('openssl', ['req', '-new', '-key', keyFile, '-out', csrFile, '-subj', options.subject ?? `/C=US/ST=WA/O=Test Org/CN=${name}`]);
  await run('openssl', [
    'x509',
    '-req',
    '-in',
    csrFile,
    '-CA',
    issuer.certFile,
    '-CAkey',
    issuer.keyFile,
    '-CAcreateserial',
    '-out',
    certFile,
    '-days',
    String(options.days ?? 30),
    '-sha256',
    '-extfile',
    extFile,
  ]);
  return { ...(await certificateAt(certFile)), key: createPrivateKey(await readFile(keyFile)), kind, keyFile, certFile };
}

export interface Descriptor {
  readonly mediaType: string;
  readonly digest: string;
  readonly size: number;
}

export interface SignOptions {
  readonly leaf: TestLeaf;
  /** The certificates after the leaf, root last. */
  readonly chain: readonly Buffer[];
  readonly target: Descriptor;
  readonly signingTime: Date;
  readonly expiry?: Date;
  readonly alg?: Alg;
  readonly scheme?: 'notary.x509' | 'notary.x509.signingAuthority';
  readonly extraCritical?: readonly string[];
  /** Replace the payload bytes (after signing nothing else changes). */
  readonly payload?: Buffer;
  /**
   * The unsigned `io.cncf.notary.timestampSignature` made from the signature
   * bytes: a Buffer is written as notation writes a token (base64 in JWS, a
   * bstr in COSE), anything else as it is, for malformed headers.
   */
  readonly timestamp?: (signature: Buffer) => unknown;
}

function payloadOf(options: SignOptions): Buffer {
  return options.payload ?? Buffer.from(JSON.stringify({ targetArtifact: options.target }));
}

function signBytes(alg: Alg, key: KeyObject, data: Buffer): Buffer {
  const [hash, length] = HASH[alg];
  return alg.startsWith('PS') ? sign(hash, data, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: length }) : sign(hash, data, { key, dsaEncoding: 'ieee-p1363' });
}

function rfc3339(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** A flattened JWS envelope, as notation writes `application/jose+json`. */
export function signJws(options: SignOptions): Buffer {
  const alg = options.alg ?? ALG_FOR[options.leaf.kind];
  const scheme = options.scheme ?? 'notary.x509';
  const timeHeader = scheme === 'notary.x509' ? 'io.cncf.notary.signingTime' : 'io.cncf.notary.authenticSigningTime';
  const crit = ['io.cncf.notary.signingScheme', ...(scheme === 'notary.x509' ? [] : [timeHeader]), ...(options.expiry ? ['io.cncf.notary.expiry'] : []), ...(options.extraCritical ?? [])];
  const header: Record<string, unknown> = { alg, cty: PAYLOAD_TYPE, crit, 'io.cncf.notary.signingScheme': scheme, [timeHeader]: rfc3339(options.signingTime) };
  if (options.expiry) header['io.cncf.notary.expiry'] = rfc3339(options.expiry);
  for (const extra of options.extraCritical ?? []) header[extra] = 'value';
  const protectedText = Buffer.from(JSON.stringify(header)).toString('base64url');
  const payloadText = payloadOf(options).toString('base64url');
  const signature = signBytes(alg, options.leaf.key, Buffer.from(`${protectedText}.${payloadText}`));
  return Buffer.from(
    JSON.stringify({
      payload: payloadText,
      protected: protectedText,
      header: {
        x5c: [options.leaf.der, ...options.chain].map((der) => der.toString('base64')),
        'io.cncf.notary.signingAgent': 'trust-auditor test signer',
        ...timestampHeader(options, signature, (token) => token.toString('base64')),
      },
      signature: signature.toString('base64url'),
    })
  );
}

function timestampHeader(options: SignOptions, signature: Buffer, encode: (token: Buffer) => unknown): Record<string, unknown> {
  if (options.timestamp === undefined) return {};
  const token = options.timestamp(signature);
  return { 'io.cncf.notary.timestampSignature': Buffer.isBuffer(token) ? encode(token) : token };
}

// --- CBOR, encoding only (RFC 8949), independent of src/notation/core/cbor.ts ---

export class Tagged {
  readonly tag: number;
  readonly value: CborInput;

  constructor(tag: number, value: CborInput) {
    this.tag = tag;
    this.value = value;
  }
}
export type CborInput = number | string | Buffer | readonly CborInput[] | Map<number | string, CborInput> | Tagged;

function cborHead(major: number, value: number): Buffer {
  if (value < 24) return Buffer.from([(major << 5) | value]);
  if (value < 0x100) return Buffer.from([(major << 5) | 24, value]);
  if (value < 0x10000) return Buffer.from([(major << 5) | 25, value >> 8, value & 0xff]);
  const out = Buffer.alloc(5);
  out[0] = (major << 5) | 26;
  out.writeUInt32BE(value, 1);
  return out;
}

export function encodeCbor(value: CborInput): Buffer {
  if (typeof value === 'number') return value >= 0 ? cborHead(0, value) : cborHead(1, -1 - value);
  if (typeof value === 'string') {
    const bytes = Buffer.from(value, 'utf8');
    return Buffer.concat([cborHead(3, bytes.length), bytes]);
  }
  if (Buffer.isBuffer(value)) return Buffer.concat([cborHead(2, value.length), value]);
  if (value instanceof Tagged) return Buffer.concat([cborHead(6, value.tag), encodeCbor(value.value)]);
  if (value instanceof Map) return Buffer.concat([cborHead(5, value.size), ...[...value].flatMap(([key, item]) => [encodeCbor(key), encodeCbor(item)])]);
  const items = value;
  return Buffer.concat([cborHead(4, items.length), ...items.map(encodeCbor)]);
}

/** A COSE_Sign1_Tagged envelope, as notation writes `application/cose`. */
export function signCose(options: SignOptions & { readonly protectedHeader?: Map<number | string, CborInput> }): Buffer {
  const alg = options.alg ?? ALG_FOR[options.leaf.kind];
  const scheme = options.scheme ?? 'notary.x509';
  const timeHeader = scheme === 'notary.x509' ? 'io.cncf.notary.signingTime' : 'io.cncf.notary.authenticSigningTime';
  const crit = ['io.cncf.notary.signingScheme', ...(scheme === 'notary.x509' ? [] : [timeHeader]), ...(options.expiry ? ['io.cncf.notary.expiry'] : []), ...(options.extraCritical ?? [])];
  const headers =
    options.protectedHeader ??
    new Map<number | string, CborInput>([
      [1, COSE_ALG[alg]],
      [2, crit],
      [3, PAYLOAD_TYPE],
      ['io.cncf.notary.signingScheme', scheme],
      [timeHeader, new Tagged(1, Math.floor(options.signingTime.getTime() / 1000))],
      ...(options.expiry ? [['io.cncf.notary.expiry', new Tagged(1, Math.floor(options.expiry.getTime() / 1000))] as [string, CborInput]] : []),
      ...(options.extraCritical ?? []).map((extra) => [extra, 'value'] as [string, CborInput]),
    ]);
  const protectedBytes = encodeCbor(headers);
  const payload = payloadOf(options);
  const toBeSigned = encodeCbor(['Signature1', protectedBytes, Buffer.alloc(0), payload]);
  const signature = signBytes(alg, options.leaf.key, toBeSigned);
  const certificates = [options.leaf.der, ...options.chain];
  const unprotected = new Map<number | string, CborInput>([
    [33, certificates.length === 1 ? (certificates[0] as Buffer) : certificates],
    ['io.cncf.notary.signingAgent', 'trust-auditor test signer'],
    ...(Object.entries(timestampHeader(options, signature, (token) => token)) as [string, CborInput][]),
  ]);
  return encodeCbor(new Tagged(18, [protectedBytes, unprotected, payload, signature]));
}

/** A trust policy document with one `*` statement. */
export function policyJson(statement: Record<string, unknown>): Buffer {
  return Buffer.from(JSON.stringify({ version: '1.0', trustPolicies: [{ name: 'test', registryScopes: ['*'], signatureVerification: { level: 'strict' }, ...statement }] }));
}
