/** What the scan needs from each source; the real clients satisfy these. */
import type { ManifestDescriptor } from '../registry/registry-client.js';
import type { ComponentPage, NexusRepository } from '../nexus/schema.js';
import type { CachedFiles, FetchedCollection } from '../notary/notary-fetcher.js';

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
  fetchRest(gun: string, timestamp: Uint8Array, signal?: AbortSignal, cached?: CachedFiles): Promise<FetchedCollection>;
  fetchRootVersions(gun: string, from: number, to: number, signal?: AbortSignal): Promise<Uint8Array[]>;
}

export interface ManifestSource {
  getManifestDescriptor(image: string, tag: string, signal?: AbortSignal): Promise<ManifestDescriptor | undefined>;
}
