/**
 * Pushing signatures into the Nexus test server as the tools do, for the
 * tests of contract v1.2 (the scan's and `inspect --cosign|--notation`'s):
 * cosign's `.sig` manifests and bundle referrers, Notation's referrer
 * manifests, and the `sha256-<hex>` fallback index a pusher keeps itself when
 * the registry has no referrers API. Notation's trust files as notation lays
 * them out.
 */
import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import type { FakeNexus } from './nexus/types.js';
import { sigManifest, simpleSigningLayer, type CosignKey, type OciBlob, type OciManifest, type SimpleSigningLayer } from './signers/cosign-signer.js';

/** Pushes a manifest with its blobs as cosign does: blobs first, then the manifest (tagged, or by digest). */
export function pushOci(nexus: FakeNexus, repository: string, image: string, tag: string | undefined, pushed: { manifest: OciManifest; blobs: readonly OciBlob[] }): void {
  for (const blob of pushed.blobs) {
    nexus.putBlob(repository, blob.bytes);
  }
  nexus.putManifest(repository, image, tag, pushed.manifest);
}

/**
 * Without the referrers API, the pusher keeps the fallback index under
 * `sha256-<hex>` itself (distribution-spec "Referrers Tag Schema").
 */
export function pushFallbackIndex(
  nexus: FakeNexus,
  repository: string,
  image: string,
  digest: string,
  manifests: readonly { mediaType: string; digest: string; bytes: Buffer; artifactType: string }[]
): void {
  const index = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.index.v1+json',
      manifests: manifests.map((manifest) => ({ mediaType: manifest.mediaType, digest: manifest.digest, size: manifest.bytes.length, artifactType: manifest.artifactType })),
    })
  );
  nexus.putManifest(repository, image, digest.replace(':', '-'), { bytes: index, mediaType: 'application/vnd.oci.image.index.v1+json' });
}

/**
 * A Notation signature as notation pushes it: the envelope blob, the empty
 * config, the referrer manifest by digest (and the fallback index when
 * `fallback`). Returns the referrer manifest.
 */
export function pushReferrer(
  nexus: FakeNexus,
  repository: string,
  image: string,
  subject: { mediaType: string; digest: string; size: number },
  artifactType: string,
  layer: { bytes: Buffer; mediaType: string },
  fallback: boolean
): OciManifest {
  const empty = Buffer.from('{}');
  const digestOf = (bytes: Buffer): string => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
  nexus.putBlob(repository, empty);
  nexus.putBlob(repository, layer.bytes);
  const bytes = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      artifactType,
      config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: digestOf(empty), size: empty.length },
      layers: [{ mediaType: layer.mediaType, digest: digestOf(layer.bytes), size: layer.bytes.length }],
      subject,
    })
  );
  const manifest = { bytes, mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: digestOf(bytes) };
  nexus.putManifest(repository, image, undefined, manifest);
  if (fallback) {
    pushFallbackIndex(nexus, repository, image, subject.digest, [{ ...manifest, artifactType }]);
  }
  return manifest;
}

/** The `.sig` manifest of `digest` with these layers, under its tag. */
export function pushSig(nexus: FakeNexus, repository: string, image: string, digest: string, layers: readonly SimpleSigningLayer[]): void {
  pushOci(nexus, repository, image, `${digest.replace(':', '-')}.sig`, sigManifest(layers));
}

/** Legacy key signatures of `digest` by each key. */
export function signLegacy(nexus: FakeNexus, repository: string, image: string, digest: string, keys: readonly CosignKey[]): void {
  pushSig(
    nexus,
    repository,
    image,
    digest,
    keys.map((signer) => simpleSigningLayer({ digest, signer }))
  );
}

/** notation's trust store with `root` as the CA store `ca:release`, and a policy trusting it for every scope at `strict`. */
export async function writeNotationTrust(dir: string, root: { readonly pem: string }): Promise<{ readonly policyFile: string; readonly storeDir: string }> {
  const storeDir = join(dir, 'trust-store');
  await mkdir(join(storeDir, 'x509', 'ca', 'release'), { recursive: true });
  await writeFile(join(storeDir, 'x509', 'ca', 'release', 'root.crt'), root.pem);
  const policyFile = join(dir, 'trustpolicy.json');
  await writeFile(
    policyFile,
    JSON.stringify({
      version: '1.0',
      trustPolicies: [{ name: 'release', registryScopes: ['*'], signatureVerification: { level: 'strict' }, trustStores: ['ca:release'], trustedIdentities: ['*'] }],
    })
  );
  return { policyFile, storeDir };
}
