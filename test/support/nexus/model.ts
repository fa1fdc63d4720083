/**
 * The content model of the fake Nexus: repositories, their Docker components (one tagged manifest
 * asset each) and component-less assets, and how a pushed manifest is stored. "§" numbers refer to
 * docs/nexus-and-registry.md.
 */
import { createHash } from 'node:crypto';

import type { FakeManifest } from './types.js';

const MEDIA_TYPE_DOCKER_MANIFEST = 'application/vnd.docker.distribution.manifest.v2+json';
export const DIGEST_REFERENCE = /^sha256:[0-9a-f]{64}$/;

/** A realistic Docker schema2 image manifest (JSON bytes, media type application/vnd.docker.distribution.manifest.v2+json) determined by seed. */
export function makeManifest(seed: string): FakeManifest {
  const hex = (label: string): string => sha256Hex(`${seed}\u0000${label}`);
  const between = (label: string, min: number, max: number): number => min + (parseInt(hex(label).slice(0, 12), 16) % (max - min + 1));
  const layerCount = between('layer-count', 1, 7);
  const manifest = {
    schemaVersion: 2,
    mediaType: MEDIA_TYPE_DOCKER_MANIFEST,
    config: {
      mediaType: 'application/vnd.docker.container.image.v1+json',
      size: between('config-size', 1_200, 9_000),
      digest: `sha256:${hex('config')}`,
    },
    layers: Array.from({ length: layerCount }, (_, index) => ({
      mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
      size: between(`layer-size-${index}`, 180, 60_000_000),
      digest: `sha256:${hex(`layer-${index}`)}`,
    })),
  };
  // docker/distribution serialises schema2 manifests with json.MarshalIndent(m, "", "   ").
  return { bytes: new TextEncoder().encode(JSON.stringify(manifest, null, 3)), mediaType: MEDIA_TYPE_DOCKER_MANIFEST };
}

export interface StoredManifest {
  readonly bytes: Uint8Array;
  readonly mediaType: string;
  /** "sha256:<hex>", the Docker-Content-Digest (§1.7: equal to checksum.sha256). */
  readonly digest: string;
  readonly sha1: string;
}

export interface AssetBlob {
  readonly manifest: StoredManifest;
  readonly createdAt: number;
  readonly uploader: string;
  readonly uploaderIp: string;
}

/** The tagged manifest asset /v2/<image>/manifests/<tag>: the single asset of a Docker component (§0.3). */
export interface TagAsset {
  readonly internalId: number;
  readonly createdAt: number;
  blob: AssetBlob;
  /** What the registry API serves for the tag (differs from blob.manifest with the registryDigestDiffers quirk). */
  registryManifest: StoredManifest;
  lastDownloaded: number | null;
}

export interface ComponentRecord {
  readonly internalId: number;
  readonly image: string;
  readonly tag: string;
  readonly asset: TagAsset;
}

/** Component-less assets: layer/config blobs, manifests by digest, manifest-list children (§1.5, §1.7). */
export interface LooseAsset {
  readonly internalId: number;
  readonly size: number;
}

export interface DockerSettings {
  readonly v1Enabled: boolean;
  readonly forceBasicAuth: boolean;
  readonly httpPort: number | null;
  readonly httpsPort: number | null;
  readonly subdomain: string | null;
  readonly pathEnabled: boolean;
}

export interface RepositoryRecord {
  readonly name: string;
  readonly type: 'hosted' | 'proxy' | 'group';
  readonly format: 'docker' | 'maven2' | 'npm';
  readonly members: readonly string[];
  readonly docker: DockerSettings;
  /** Keyed by "image:tag". */
  readonly components: Map<string, ComponentRecord>;
  /** Keyed by datastore path, e.g. "/v2/-/blobs/sha256:..." */
  readonly looseAssets: Map<string, LooseAsset>;
  /** Keyed by "image@sha256:...": every manifest ever pushed stays addressable by digest. */
  readonly manifestsByDigest: Map<string, StoredManifest>;
  /**
   * Blob bytes by digest, for the blobs a test pushes (signature payloads, bundles, envelopes).
   * Nexus stores blobs per repository under `/v2/-/blobs/<digest>` and serves them under any
   * image name of the repository (§1.5); other blobs stay unmodelled (404 BLOB_UNKNOWN).
   */
  readonly blobs: Map<string, Uint8Array>;
}

export interface ListedComponent {
  readonly owner: RepositoryRecord;
  readonly component: ComponentRecord;
}

function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

export function storeManifest(manifest: FakeManifest): StoredManifest {
  const bytes = Uint8Array.from(manifest.bytes);
  return {
    bytes,
    mediaType: manifest.mediaType,
    digest: `sha256:${sha256Hex(bytes)}`,
    sha1: createHash('sha1').update(bytes).digest('hex'),
  };
}

/** The blobs and child manifests a manifest references, as Nexus stores them (asset paths). */
export function referencedAssets(image: string, manifest: StoredManifest): { path: string; size: number }[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder().decode(manifest.bytes));
  } catch {
    return [];
  }
  if (typeof parsed !== 'object' || parsed === null) {
    return [];
  }
  const document = parsed as { config?: unknown; layers?: unknown; manifests?: unknown };
  const descriptors = (value: unknown): { digest: string; size: number }[] =>
    (Array.isArray(value) ? value : [value]).flatMap((item: unknown) => {
      const descriptor = item as { digest?: unknown; size?: unknown } | null;
      return typeof descriptor?.digest === 'string' && DIGEST_REFERENCE.test(descriptor.digest)
        ? [{ digest: descriptor.digest, size: typeof descriptor.size === 'number' ? descriptor.size : 0 }]
        : [];
    });
  return [
    ...descriptors(document.config).map((d) => ({ path: `/v2/-/blobs/${d.digest}`, size: d.size })),
    ...descriptors(document.layers).map((d) => ({ path: `/v2/-/blobs/${d.digest}`, size: d.size })),
    ...descriptors(document.manifests).map((d) => ({ path: `/v2/${image}/manifests/${d.digest}`, size: d.size })),
  ];
}

/** The fields of an OCI image manifest or index the referrers API reads (OCI image-spec 1.1). */
interface ReferrerFields {
  readonly subject?: { readonly digest?: unknown };
  readonly artifactType?: unknown;
  readonly config?: { readonly mediaType?: unknown };
  readonly annotations?: unknown;
}

function parseReferrerFields(manifest: StoredManifest): ReferrerFields | undefined {
  try {
    const parsed: unknown = JSON.parse(new TextDecoder().decode(manifest.bytes));
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/** The digest a manifest's `subject` names, if it has one. */
export function subjectOf(manifest: StoredManifest): string | undefined {
  const digest = parseReferrerFields(manifest)?.subject?.digest;
  return typeof digest === 'string' ? digest : undefined;
}

/** A referrer's descriptor in the referrers index (OCI distribution-spec 1.1, "Listing Referrers"). */
export interface ReferrerDescriptor {
  readonly mediaType: string;
  readonly digest: string;
  readonly size: number;
  readonly artifactType?: string;
  readonly annotations?: Readonly<Record<string, string>>;
}

/**
 * The spec's rules: artifactType is the manifest's own, else (image manifests only) its config's
 * media type, else absent; annotations are the manifest's, absent when it has none.
 */
export function referrerDescriptor(manifest: StoredManifest): ReferrerDescriptor {
  const fields = parseReferrerFields(manifest) ?? {};
  const ownArtifactType = typeof fields.artifactType === 'string' && fields.artifactType !== '' ? fields.artifactType : undefined;
  const configMediaType = typeof fields.config?.mediaType === 'string' ? fields.config.mediaType : undefined;
  const artifactType = ownArtifactType ?? configMediaType;
  const annotations = typeof fields.annotations === 'object' && fields.annotations !== null ? (fields.annotations as Record<string, string>) : undefined;
  return {
    mediaType: manifest.mediaType,
    digest: manifest.digest,
    size: manifest.bytes.length,
    ...(artifactType === undefined ? {} : { artifactType }),
    ...(annotations === undefined ? {} : { annotations }),
  };
}
