/** What the scan needs from each source; the real clients satisfy these. */
import type { FetchedManifest, ManifestDescriptor } from '../registry/registry-client.js';
import type { ComponentPage, NexusRepository } from '../nexus/schema.js';
import type { TrustCollectionBytes } from '../notary/core/verify-collection.js';
import type { CollectedCollection, CollectOptions, VerificationRound } from '../notary/notary-fetcher.js';

export interface RepositorySource {
  readonly requests: number;
  listDockerRepositories(signal?: AbortSignal): Promise<NexusRepository[]>;
  /** The GUN prefix a repository's Docker connector implies, if the account may see it. */
  gunPrefixOf(repository: NexusRepository, signal?: AbortSignal): Promise<string | undefined>;
  listTags(repository: string, signal?: AbortSignal): AsyncIterable<ComponentPage>;
}

export interface TrustSource {
  readonly requests: number;
  /** The current timestamp.json; undefined when the server has no trust data for the GUN (404). */
  fetchTimestamp(gun: string, signal?: AbortSignal): Promise<Uint8Array | undefined>;
  /** Everything the timestamp leads to, parents first, verified as it grows (NotaryFetcher.collect). */
  collect<T extends VerificationRound>(gun: string, timestamp: Uint8Array, verify: (bytes: TrustCollectionBytes) => Promise<T>, options?: CollectOptions): Promise<CollectedCollection<T>>;
  fetchRootVersions(gun: string, from: number, to: number, signal?: AbortSignal): Promise<Uint8Array[]>;
}

export interface ManifestSource {
  getManifestDescriptor(image: string, tag: string, signal?: AbortSignal): Promise<ManifestDescriptor | undefined>;
}

/** What the signature systems of contract v1.2 read from a repository's registry API. */
export interface ArtifactSource extends ManifestSource {
  getManifestByDigest(image: string, digest: string, signal?: AbortSignal): Promise<FetchedManifest | undefined>;
  getBlob(image: string, digest: string, maxBytes: number, signal?: AbortSignal): Promise<Uint8Array | undefined>;
  getReferrers(
    image: string,
    digest: string,
    signal?: AbortSignal
  ): Promise<{ readonly supported: true; readonly index: Uint8Array } | { readonly supported: false; readonly status: number }>;
}
