/** What the scan needs from each source; the real clients satisfy these. */
import type { ManifestDescriptor } from '../registry/registry-client.js';
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
