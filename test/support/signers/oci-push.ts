/**
 * Pushing signatures into the Nexus test server as cosign and notation push
 * them: blobs first, then the manifest, tagged (`sha256-<hex>.sig`, the
 * `sha256-<hex>` fallback index) or by digest (referrers). Shared by the v1.2
 * scan tests and bench/signatures.ts.
 */
import { createHash } from 'node:crypto';

import type { FakeNexus } from '../nexus/types.js';
import { sigManifest, type OciBlob, type OciManifest, type SimpleSigningLayer } from './cosign-signer.js';

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

/** A Notation signature as notation pushes it: the envelope blob, the empty config, the referrer manifest by digest. */
export function pushReferrer(
  nexus: FakeNexus,
  repository: string,
  image: string,
  subject: { mediaType: string; digest: string; size: number },
  artifactType: string,
  layer: { bytes: Buffer; mediaType: string },
  fallback: boolean
): void {
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
}
/** The `.sig` manifest of `digest` with these layers, under its tag. */
export function pushSig(nexus: FakeNexus, repository: string, image: string, digest: string, layers: readonly SimpleSigningLayer[]): void {
  pushOci(nexus, repository, image, `${digest.replace(':', '-')}.sig`, sigManifest(layers));
}
