/**
 * A test-side cosign: legacy `.sig` layers signed with a key (ECDSA P-256 via
 * node:crypto, Ed25519 via the independent @noble/ed25519) or keyless (a test
 * Fulcio CA, an SCT from a test CT log, a Rekor SET from a test Rekor key),
 * Sigstore bundles v0.3 (DSSE in-toto statement, key hint or keyless, with an
 * inclusion proof and a signed checkpoint), the matching `trusted_root.json`,
 * and the OCI manifests cosign pushes (`.sig` image manifest; cosign 3's
 * bundle referrer), each as `{bytes, mediaType}` with its blobs.
 *
 * Written from docs/signature-systems.md §2/§3 and the formats they cite, not
 * from src/. Every instant is one the caller passes: nothing here reads the
 * clock, so fixtures made with a fixed time verify on any date.
 */
import { createHash, createPublicKey, generateKeyPairSync, randomBytes, sign as nodeSign, type KeyObject } from 'node:crypto';

import * as ed from '@noble/ed25519';

import { bitString, extension, integer, oid, OIDS, pem, seq, TAG, time, tlv, utf8 } from '../der-builder.js';

export interface OciBlob {
  readonly digest: string;
  readonly bytes: Buffer;
  readonly mediaType: string;
}
export interface OciManifest {
  readonly bytes: Buffer;
  readonly mediaType: string;
  readonly digest: string;
}

export const SIMPLE_SIGNING_MEDIA_TYPE = 'application/vnd.dev.cosign.simplesigning.v1+json';
export const BUNDLE_V03_MEDIA_TYPE = 'application/vnd.dev.sigstore.bundle.v0.3+json';
export const OCI_MANIFEST_MEDIA_TYPE = 'application/vnd.oci.image.manifest.v1+json';
const OCI_EMPTY_MEDIA_TYPE = 'application/vnd.oci.empty.v1+json';
const OCI_CONFIG_MEDIA_TYPE = 'application/vnd.oci.image.config.v1+json';
const IN_TOTO = 'application/vnd.in-toto+json';
const REKOR_URL = 'https://rekor.test.example';
const REKOR_ORIGIN = 'rekor.test.example';

const sha256 = (data: Uint8Array | string): Buffer => createHash('sha256').update(data).digest();
const digestOf = (data: Uint8Array): string => `sha256:${sha256(data).toString('hex')}`;
const spkiOf = (key: KeyObject): Buffer => (key.type === 'public' ? key : createPublicKey(key)).export({ format: 'der', type: 'spki' });

/** A signing key as cosign holds one. */
export interface CosignKey {
  readonly kind: 'p256' | 'ed25519';
  readonly publicPem: string;
  readonly spki: Buffer;
  /** Signs the exact bytes: ECDSA-SHA256 DER, or Ed25519 pure. */
  sign(data: Uint8Array): Buffer;
}

export function p256Key(): CosignKey {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  return { kind: 'p256', publicPem: publicKey.export({ format: 'pem', type: 'spki' }).toString(), spki: spkiOf(publicKey), sign: (data) => nodeSign('sha256', data, privateKey) };
}

/** Ed25519 signed with @noble/ed25519, not node:crypto: an independent implementation. */
// @noble/ed25519's synchronous API needs a SHA-512; node:crypto's hashes it, the curve arithmetic stays noble's.
ed.hashes.sha512 = (message: Uint8Array) => new Uint8Array(createHash('sha512').update(message).digest());

export function ed25519Key(): CosignKey {
  const secret = randomBytes(32);
  const publicKey = ed.getPublicKey(secret);
  const spki = Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), publicKey]);
  return { kind: 'ed25519', publicPem: pemBlock('PUBLIC KEY', spki), spki, sign: (data) => Buffer.from(ed.sign(data, secret)) };
}

function pemBlock(label: string, der: Uint8Array): string {
  const lines =
    Buffer.from(der)
      .toString('base64')
      .match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

/** A test Sigstore instance: a Fulcio root CA, a CT log and a Rekor log, valid over [from, to]. */
export interface TestSigstore {
  readonly caKey: KeyObject;
  readonly caCertificate: Buffer;
  readonly ctKey: KeyObject;
  readonly rekorKey: KeyObject;
  readonly from: Date;
  readonly to: Date;
  /** The `trusted_root.json` an operator would configure for it. */
  readonly trustedRootJson: Buffer;
}

const FULCIO_ISSUER_V1 = '2b0601040183bf300101';
const SCT_LIST = '2b06010401d679020402';
const SUBJECT_ALT_NAME = '551d11';
const KEY_USAGE_CERT_SIGN = tlv(TAG.BIT_STRING, Buffer.from([0x01, 0x06]));
const ECDSA_SHA256 = seq(oid(OIDS.ecdsaWithSha256));

function ecKey(): KeyObject {
  return generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey;
}

const logIdOf = (key: KeyObject): Buffer => sha256(spkiOf(key));

function signedCertificate(tbs: Buffer, issuerKey: KeyObject): Buffer {
  return seq(tbs, ECDSA_SHA256, bitString(nodeSign('sha256', tbs, issuerKey)));
}

function tbsCertificate(options: { serial: number; issuer: Buffer; subject: Buffer; notBefore: Date; notAfter: Date; spki: Buffer; extensions: Buffer[] }): Buffer {
  return seq(
    tlv(TAG.CONTEXT_0, integer([2])),
    integer([0x01, options.serial & 0x7f]),
    ECDSA_SHA256,
    options.issuer,
    seq(time(options.notBefore), time(options.notAfter)),
    options.subject,
    options.spki,
    tlv(TAG.CONTEXT_3, seq(...options.extensions))
  );
}

const rdn = (text: string): Buffer => seq(tlv(TAG.SET, seq(oid(OIDS.commonName), utf8(text))));

/** A fresh test Sigstore; `otherCa` swaps the CA only (a chain to another root). */
export function testSigstore(from: Date, to: Date): TestSigstore {
  const caKey = ecKey();
  const ctKey = ecKey();
  const rekorKey = ecKey();
  const name = rdn('test fulcio root');
  const caCertificate = signedCertificate(
    tbsCertificate({
      serial: 1,
      issuer: name,
      subject: name,
      notBefore: from,
      notAfter: to,
      spki: spkiOf(caKey),
      extensions: [extension(OIDS.keyUsage, KEY_USAGE_CERT_SIGN, true), extension(OIDS.basicConstraints, seq(tlv(TAG.BOOLEAN, Buffer.from([0xff]))), true)],
    }),
    caKey
  );
  const log = (key: KeyObject, baseUrl: string) => ({
    baseUrl,
    hashAlgorithm: 'SHA2_256',
    publicKey: { rawBytes: spkiOf(key).toString('base64'), keyDetails: 'PKIX_ECDSA_P256_SHA_256', validFor: { start: from.toISOString() } },
    logId: { keyId: logIdOf(key).toString('base64') },
  });
  const trustedRoot = {
    mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1',
    tlogs: [log(rekorKey, REKOR_URL)],
    certificateAuthorities: [
      {
        subject: { organization: 'test', commonName: 'test fulcio root' },
        uri: 'https://fulcio.test.example',
        certChain: { certificates: [{ rawBytes: caCertificate.toString('base64') }] },
        validFor: { start: from.toISOString() },
      },
    ],
    ctlogs: [log(ctKey, 'https://ctfe.test.example')],
    timestampAuthorities: [],
  };
  return { caKey, caCertificate, ctKey, rekorKey, from, to, trustedRootJson: Buffer.from(JSON.stringify(trustedRoot)) };
}

/** A keyless signer: a fresh key and a Fulcio-style leaf for `subject` from `issuer`, valid [notBefore, notAfter], with an SCT. */
export interface KeylessSigner {
  readonly certificate: Buffer;
  readonly certificatePem: string;
  readonly chainPem: string;
  sign(data: Uint8Array): Buffer;
}

/** `issuer` undefined: a certificate without Fulcio's issuer extension. */
export function keylessSigner(sigstore: TestSigstore, options: { issuer: string | undefined; subject: string; notBefore: Date; notAfter: Date }): KeylessSigner {
  const key = ecKey();
  const issuerName = rdn('test fulcio root');
  const san = extension(SUBJECT_ALT_NAME, seq(tlv(0x81, Buffer.from(options.subject, 'utf8'))), true);
  // Fulcio's issuer extension v1: the raw URL as the extension value (no inner DER string).
  const issuerExtensions = options.issuer === undefined ? [] : [extension(FULCIO_ISSUER_V1, Buffer.from(options.issuer, 'utf8'))];
  const keyUsage = extension(OIDS.keyUsage, tlv(TAG.BIT_STRING, Buffer.from([0x07, 0x80])), true);
  const base = { serial: 2, issuer: issuerName, subject: seq(), notBefore: options.notBefore, notAfter: options.notAfter, spki: spkiOf(key) };
  // RFC 6962 §3.2: the SCT signs the precertificate's TBS (without the SCT extension) and the issuer key's hash.
  const preTbs = tbsCertificate({ ...base, extensions: [keyUsage, san, ...issuerExtensions] });
  const timestamp = Buffer.alloc(8);
  timestamp.writeBigUInt64BE(BigInt(options.notBefore.getTime()));
  const tbsLength = Buffer.alloc(3);
  tbsLength.writeUIntBE(preTbs.length, 0, 3);
  const signed = Buffer.concat([Buffer.from([0, 0]), timestamp, Buffer.from([0, 1]), sha256(spkiOf(sigstore.caKey)), tbsLength, preTbs, Buffer.from([0, 0])]);
  const signature = nodeSign('sha256', signed, sigstore.ctKey);
  const sct = Buffer.concat([Buffer.from([0]), logIdOf(sigstore.ctKey), timestamp, Buffer.from([0, 0, 4, 3]), u16(signature.length), signature]);
  const list = Buffer.concat([u16(sct.length + 2), u16(sct.length), sct]);
  const sctExtension = extension(SCT_LIST, tlv(TAG.OCTET_STRING, list));
  const certificate = signedCertificate(tbsCertificate({ ...base, extensions: [keyUsage, san, ...issuerExtensions, sctExtension] }), sigstore.caKey);
  return { certificate, certificatePem: pem(certificate), chainPem: pem(sigstore.caCertificate), sign: (data) => nodeSign('sha256', data, key) };
}

function u16(value: number): Buffer {
  const buffer = Buffer.alloc(2);
  buffer.writeUInt16BE(value);
  return buffer;
}

/** Canonical JSON as Rekor signs it: sorted keys, no whitespace (the values here are strings and integers). */
function canonical(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  const record = value as Record<string, unknown>;
  return `{${Object.keys(record)
    .sort()
    .map((key) => `${JSON.stringify(key)}:${canonical(record[key])}`)
    .join(',')}}`;
}

/** A Rekor entry for `body` at `integratedTime` (seconds): the SET, and a one-leaf inclusion proof with a signed checkpoint. */
function rekorEntry(sigstore: TestSigstore, body: object, integratedTime: number) {
  const bodyB64 = Buffer.from(JSON.stringify(body)).toString('base64');
  const logId = logIdOf(sigstore.rekorKey);
  const set = nodeSign('sha256', Buffer.from(canonical({ body: bodyB64, integratedTime, logID: logId.toString('hex'), logIndex: 0 })), sigstore.rekorKey);
  const root = sha256(Buffer.concat([Buffer.from([0]), Buffer.from(JSON.stringify(body))]));
  const note = `${REKOR_ORIGIN}\n1\n${root.toString('base64')}\n`;
  const noteSignature = Buffer.concat([logId.subarray(0, 4), nodeSign('sha256', Buffer.from(note), sigstore.rekorKey)]).toString('base64');
  return { bodyB64, logId, set, root, checkpoint: `${note}\n\u2014 ${REKOR_ORIGIN} ${noteSignature}\n` };
}

export interface SimpleSigningLayer {
  /** The layer descriptor as it goes into the `.sig` manifest. */
  readonly descriptor: { mediaType: string; size: number; digest: string; annotations: Record<string, string> };
  readonly blob: OciBlob;
}

/** The simple-signing payload cosign signs for `digest`. */
export function simpleSigningPayload(digest: string, reference = 'nexus.example:8443/team/app'): Buffer {
  return Buffer.from(
    JSON.stringify({ critical: { identity: { 'docker-reference': reference }, image: { 'docker-manifest-digest': digest }, type: 'cosign container image signature' }, optional: null })
  );
}

/**
 * One `.sig` layer. Keyed: signature only, unless `rekor` is given (a SET
 * over a hashedrekord entry). Keyless: certificate, chain and SET.
 */
export function simpleSigningLayer(options: {
  digest: string;
  signer: CosignKey | KeylessSigner;
  rekor?: { sigstore: TestSigstore; integratedTime: number };
  payload?: Buffer;
}): SimpleSigningLayer {
  const payload = options.payload ?? simpleSigningPayload(options.digest);
  const signature = options.signer.sign(payload).toString('base64');
  const annotations: Record<string, string> = { 'dev.cosignproject.cosign/signature': signature };
  const keyless = 'certificatePem' in options.signer;
  if (keyless) {
    const signer = options.signer as KeylessSigner;
    annotations['dev.sigstore.cosign/certificate'] = signer.certificatePem;
    annotations['dev.sigstore.cosign/chain'] = signer.chainPem;
  }
  if (options.rekor !== undefined) {
    const verifier = keyless ? (options.signer as KeylessSigner).certificatePem : (options.signer as CosignKey).publicPem;
    const body = {
      apiVersion: '0.0.1',
      kind: 'hashedrekord',
      spec: {
        data: { hash: { algorithm: 'sha256', value: sha256(payload).toString('hex') } },
        signature: { content: signature, publicKey: { content: Buffer.from(verifier).toString('base64') } },
      },
    };
    const entry = rekorEntry(options.rekor.sigstore, body, options.rekor.integratedTime);
    annotations['dev.sigstore.cosign/bundle'] = JSON.stringify({
      SignedEntryTimestamp: entry.set.toString('base64'),
      Payload: { body: entry.bodyB64, integratedTime: options.rekor.integratedTime, logIndex: 0, logID: entry.logId.toString('hex') },
    });
  }
  const digest = digestOf(payload);
  return { descriptor: { mediaType: SIMPLE_SIGNING_MEDIA_TYPE, size: payload.length, digest, annotations }, blob: { digest, bytes: payload, mediaType: SIMPLE_SIGNING_MEDIA_TYPE } };
}

const EMPTY_CONFIG = Buffer.from('{}');

/** The `.sig` image manifest cosign pushes under `sha256-<hex>.sig`, with its config and layer blobs. */
export function sigManifest(layers: readonly SimpleSigningLayer[]): { manifest: OciManifest; blobs: OciBlob[] } {
  const config: OciBlob = { digest: digestOf(EMPTY_CONFIG), bytes: EMPTY_CONFIG, mediaType: OCI_CONFIG_MEDIA_TYPE };
  const bytes = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST_MEDIA_TYPE,
      config: { mediaType: OCI_CONFIG_MEDIA_TYPE, size: config.bytes.length, digest: config.digest },
      layers: layers.map((layer) => layer.descriptor),
    })
  );
  return { manifest: { bytes, mediaType: OCI_MANIFEST_MEDIA_TYPE, digest: digestOf(bytes) }, blobs: [config, ...layers.map((layer) => layer.blob)] };
}

const pae = (type: string, body: Buffer): Buffer => Buffer.concat([Buffer.from(`DSSEv1 ${Buffer.byteLength(type)} ${type} ${body.length} `), body]);

/** The in-toto statement `cosign sign` v3 wraps: subject = the image digest, predicate type cosign/sign/v1. */
export function signStatement(digests: readonly string[], name = 'nexus.example:8443/team/app'): Buffer {
  return Buffer.from(
    JSON.stringify({
      _type: 'https://in-toto.io/Statement/v1',
      subject: digests.map((digest) => ({ name, digest: { sha256: digest.slice('sha256:'.length) } })),
      predicateType: 'https://sigstore.dev/cosign/sign/v1',
      predicate: {},
    })
  );
}

/**
 * A v0.3 bundle of a DSSE in-toto statement. Keyed: `publicKey.hint`
 * (base64 SHA-256 of the SPKI, as cosign writes it). The Rekor entry (a
 * `dsse` v0.0.1 body) is left out when `rekor` is undefined.
 */
export function dsseBundle(options: { statement: Buffer; signer: CosignKey | KeylessSigner; rekor?: { sigstore: TestSigstore; integratedTime: number }; payloadType?: string }): Buffer {
  const payloadType = options.payloadType ?? IN_TOTO;
  const signature = options.signer.sign(pae(payloadType, options.statement));
  const keyless = 'certificatePem' in options.signer;
  const verifierPem = keyless ? (options.signer as KeylessSigner).certificatePem : (options.signer as CosignKey).publicPem;
  const tlogEntries = [];
  if (options.rekor !== undefined) {
    const body = {
      apiVersion: '0.0.1',
      kind: 'dsse',
      spec: {
        payloadHash: { algorithm: 'sha256', value: sha256(options.statement).toString('hex') },
        signatures: [{ signature: signature.toString('base64'), verifier: Buffer.from(verifierPem).toString('base64') }],
      },
    };
    const entry = rekorEntry(options.rekor.sigstore, body, options.rekor.integratedTime);
    tlogEntries.push({
      logIndex: '0',
      logId: { keyId: entry.logId.toString('base64') },
      kindVersion: { kind: 'dsse', version: '0.0.1' },
      integratedTime: String(options.rekor.integratedTime),
      inclusionPromise: { signedEntryTimestamp: entry.set.toString('base64') },
      inclusionProof: { logIndex: '0', rootHash: entry.root.toString('base64'), treeSize: '1', hashes: [], checkpoint: { envelope: entry.checkpoint } },
      canonicalizedBody: entry.bodyB64,
    });
  }
  const content = keyless
    ? { certificate: { rawBytes: (options.signer as KeylessSigner).certificate.toString('base64') } }
    : { publicKey: { hint: sha256((options.signer as CosignKey).spki).toString('base64') } };
  return Buffer.from(
    JSON.stringify({
      mediaType: BUNDLE_V03_MEDIA_TYPE,
      verificationMaterial: { ...content, tlogEntries, timestampVerificationData: { rfc3161Timestamps: [] } },
      dsseEnvelope: { payload: options.statement.toString('base64'), payloadType, signatures: [{ sig: signature.toString('base64'), keyid: '' }] },
    })
  );
}

/** The referrer manifest cosign 3 pushes by digest for a bundle, with its blobs (the empty config and the bundle). */
export function bundleReferrerManifest(bundle: Buffer, subject: { digest: string; size: number; mediaType: string }, created: Date): { manifest: OciManifest; blobs: OciBlob[] } {
  const empty: OciBlob = { digest: digestOf(EMPTY_CONFIG), bytes: EMPTY_CONFIG, mediaType: OCI_EMPTY_MEDIA_TYPE };
  const layer: OciBlob = { digest: digestOf(bundle), bytes: bundle, mediaType: BUNDLE_V03_MEDIA_TYPE };
  const bytes = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST_MEDIA_TYPE,
      artifactType: BUNDLE_V03_MEDIA_TYPE,
      config: { mediaType: OCI_EMPTY_MEDIA_TYPE, size: empty.bytes.length, digest: empty.digest, data: EMPTY_CONFIG.toString('base64') },
      layers: [{ mediaType: BUNDLE_V03_MEDIA_TYPE, size: bundle.length, digest: layer.digest }],
      subject,
      annotations: {
        'dev.sigstore.bundle.content': 'dsse-envelope',
        'dev.sigstore.bundle.predicateType': 'https://sigstore.dev/cosign/sign/v1',
        'org.opencontainers.image.created': created.toISOString().replace(/\.\d{3}Z$/, 'Z'),
      },
    })
  );
  return { manifest: { bytes, mediaType: OCI_MANIFEST_MEDIA_TYPE, digest: digestOf(bytes) }, blobs: [empty, layer] };
}
