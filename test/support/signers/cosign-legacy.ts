/**
 * Test-side signer for legacy cosign signatures, written from the format
 * (docs/signature-systems.md §2), not from the verifier: a simple-signing
 * payload, a signature over its exact bytes, and the `.sig` manifest with one
 * layer per signature, pushed into the Nexus test server as cosign pushes it
 * (the blobs, then the manifest under `sha256-<hex>.sig`). Ed25519 goes
 * through @noble/ed25519, an implementation independent of node:crypto.
 */
import { createHash, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';

import * as ed from '@noble/ed25519';

import type { FakeNexus } from '../nexus/types.js';

export interface LegacySigner {
  /** The PEM public key, as `cosign generate-key-pair` writes cosign.pub. */
  readonly publicKeyPem: string;
  sign(payload: Uint8Array): Promise<string>;
}

/** An ECDSA P-256 signer (what cosign generates): DER signature over SHA-256. */
export function p256Signer(): LegacySigner {
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  return { publicKeyPem: pem(publicKey), sign: async (payload) => sign('sha256', payload, privateKey).toString('base64') };
}

/** An Ed25519 signer on @noble/ed25519 (pure Ed25519 over the payload bytes). */
export async function ed25519Signer(): Promise<LegacySigner> {
  const secret = ed.utils.randomSecretKey();
  const publicKey = await ed.getPublicKeyAsync(secret);
  // SubjectPublicKeyInfo for Ed25519: the fixed 12-byte prefix (RFC 8410 §4) and the 32-byte key.
  const spki = Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), Buffer.from(publicKey)]);
  const publicKeyPem = `-----BEGIN PUBLIC KEY-----\n${spki.toString('base64')}\n-----END PUBLIC KEY-----\n`;
  return { publicKeyPem, sign: async (payload) => Buffer.from(await ed.signAsync(payload, secret)).toString('base64') };
}

function pem(key: KeyObject): string {
  return key.export({ type: 'spki', format: 'pem' }).toString();
}

/** The simple-signing payload cosign writes for `reference@digest`. */
export function simpleSigningPayload(reference: string, digest: string, type = 'cosign container image signature'): Buffer {
  return Buffer.from(JSON.stringify({ critical: { identity: { 'docker-reference': reference }, image: { 'docker-manifest-digest': digest }, type }, optional: null }));
}

export interface LegacyLayer {
  readonly payload: Uint8Array;
  readonly signature: string;
  readonly annotations?: Readonly<Record<string, string>>;
}

const EMPTY_CONFIG = Buffer.from('{}');

/** The `.sig` manifest: an OCI image manifest with one simple-signing layer per signature. */
export function sigManifestBytes(layers: readonly LegacyLayer[]): Buffer {
  const digestOf = (bytes: Uint8Array): string => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
  return Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', size: EMPTY_CONFIG.length, digest: digestOf(EMPTY_CONFIG) },
      layers: layers.map((layer) => ({
        mediaType: 'application/vnd.dev.cosign.simplesigning.v1+json',
        size: layer.payload.byteLength,
        digest: digestOf(layer.payload),
        annotations: { 'dev.cosignproject.cosign/signature': layer.signature, ...layer.annotations },
      })),
    })
  );
}

/** Pushes the layers' blobs and the `.sig` manifest for `digest` of `image`, as `cosign sign` does. */
export function pushLegacySignatures(nexus: FakeNexus, repository: string, image: string, digest: string, layers: readonly LegacyLayer[]): { digest: string } {
  nexus.putBlob(repository, EMPTY_CONFIG);
  for (const layer of layers) {
    nexus.putBlob(repository, layer.payload);
  }
  const tag = `${digest.replace(':', '-')}.sig`;
  return nexus.putManifest(repository, image, tag, { bytes: sigManifestBytes(layers), mediaType: 'application/vnd.oci.image.manifest.v1+json' });
}

/** Signs `digest` of `reference` with each signer and pushes the `.sig` manifest. */
export async function signLegacy(nexus: FakeNexus, repository: string, image: string, reference: string, digest: string, signers: readonly LegacySigner[]): Promise<void> {
  const payload = simpleSigningPayload(reference, digest);
  const layers: LegacyLayer[] = [];
  for (const signer of signers) {
    layers.push({ payload, signature: await signer.sign(payload) });
  }
  pushLegacySignatures(nexus, repository, image, digest, layers);
}
