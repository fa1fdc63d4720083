/**
 * The store of one fake Nexus instance: its repositories, what is pushed to and deleted from them,
 * and the per-format id sequences. "§" numbers refer to docs/nexus-and-registry.md.
 */
import { createHash } from 'node:crypto';

import {
  DIGEST_REFERENCE,
  makeManifest,
  referencedAssets,
  storeManifest,
  subjectOf,
  type AssetBlob,
  type ListedComponent,
  type RepositoryRecord,
  type StoredManifest,
  type TagAsset,
} from './model.js';
import type { FakeManifest, FakeNexusOptions, FakeRepositoryDefinition } from './types.js';

const TAG_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const IMAGE_PATTERN = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/;
/** Every push and delete of the fake comes from the test process, on loopback. */
const CLIENT_IP = '127.0.0.1';

/** What every change of content names: the tag, its component row and who made the change. */
interface ContentEventBase {
  readonly repository: string;
  readonly image: string;
  readonly tag: string;
  readonly digest: string;
  /** The component's internal id (the row kept by a re-push, the row removed by a delete), from which its external ids derive. */
  readonly componentInternalId: number;
  /** InitiatorProviderImpl: "<user id>/<remote ip>" of whoever pushed or deleted. */
  readonly initiator: string;
}

/**
 * A change of content, raised once it is stored: where notifications of pushes and deletes (such as
 * webhooks) start from. `rePush` says the tag already existed, so its component was kept.
 */
export type ContentEvent = (ContentEventBase & { readonly action: 'pushed'; readonly rePush: boolean }) | (ContentEventBase & { readonly action: 'deleted' });

export type ContentListener = (event: ContentEvent) => void;

/** The repositories, their content and the per-format id sequences of one Nexus instance. */
export class NexusContent {
  readonly repositories = new Map<string, RepositoryRecord>();
  /** Datastore ids come from one sequence per format table (docker_component, docker_asset). */
  readonly #componentSequence = new Map<string, number>();
  readonly #assetSequence = new Map<string, number>();
  readonly #options: FakeNexusOptions;
  readonly #onChange: ContentListener;
  #lastTimestamp = 0;

  /** `onChange` hears of every push and delete after it is stored; nothing else in the store depends on it. */
  constructor(options: FakeNexusOptions, onChange: ContentListener = () => {}) {
    this.#options = options;
    this.#onChange = onChange;
  }

  addRepository(definition: FakeRepositoryDefinition): void {
    this.touch();
    if (this.repositories.has(definition.name)) {
      throw new Error(`fake Nexus: repository ${definition.name} already exists`);
    }
    const members = definition.type === 'group' ? [...(definition.members ?? [])] : [];
    for (const member of members) {
      // Nexus refuses a group whose members do not exist.
      if (!this.repositories.has(member)) {
        throw new Error(`fake Nexus: group ${definition.name} member ${member} does not exist`);
      }
    }
    const docker = definition.docker ?? {};
    this.repositories.set(definition.name, {
      name: definition.name,
      type: definition.type,
      format: definition.format ?? 'docker',
      members,
      docker: {
        v1Enabled: docker.v1Enabled ?? false,
        // §1.3: forceBasicAuth defaults to true; with the bearer realm configured, default to bearer.
        forceBasicAuth: docker.forceBasicAuth ?? this.#options.registryAuth !== 'bearer',
        httpPort: docker.httpPort ?? null,
        httpsPort: docker.httpsPort ?? null,
        subdomain: docker.subdomain ?? null,
        pathEnabled: docker.pathEnabled ?? false,
      },
      components: new Map(),
      looseAssets: new Map(),
      manifestsByDigest: new Map(),
      blobs: new Map(),
    });
  }

  putTag(repository: string, image: string, tag: string, manifest: FakeManifest | undefined): { digest: string; size: number } {
    this.touch();
    const repo = this.#pushTarget(repository, image, tag);
    const stored = storeManifest(manifest ?? makeManifest(`${repository}/${image}:${tag}`));
    // A push uploads the blobs first; each becomes a component-less asset of the repository.
    for (const { path, size } of referencedAssets(image, stored)) {
      this.#ensureLooseAsset(repo, path, size);
    }
    this.#ensureLooseAsset(repo, `/v2/${image}/manifests/${stored.digest}`, stored.bytes.length);
    repo.manifestsByDigest.set(`${image}@${stored.digest}`, stored);

    const key = `${repository}/${image}:${tag}`;
    const registryManifest = this.#options.quirks?.registryDigestDiffers?.includes(key) === true ? this.#movedManifest(repo, image, key, stored) : stored;
    const blob: AssetBlob = { manifest: stored, createdAt: this.#tick(), uploader: this.#uploader(), uploaderIp: CLIENT_IP };
    const existing = repo.components.get(`${image}:${tag}`);
    let componentInternalId: number;
    if (existing !== undefined) {
      // Re-push: the component and its asset row stay (same ids, same asset created time);
      // only the asset's blob is replaced, so lastModified (= blob created) moves (§1.4).
      existing.asset.blob = blob;
      existing.asset.registryManifest = registryManifest;
      componentInternalId = existing.internalId;
    } else {
      const componentId = this.#next(this.#componentSequence, repo.format);
      componentInternalId = componentId;
      const asset: TagAsset = {
        internalId: this.#next(this.#assetSequence, repo.format),
        createdAt: this.#tick(), // the asset row is written just after its blob
        blob,
        registryManifest,
        lastDownloaded: null,
      };
      repo.components.set(`${image}:${tag}`, { internalId: componentId, image, tag, asset });
    }
    const initiator = `${blob.uploader}/${blob.uploaderIp}`;
    this.#onChange({ action: 'pushed', repository, image, tag, digest: stored.digest, componentInternalId, initiator, rePush: existing !== undefined });
    return { digest: stored.digest, size: stored.bytes.length };
  }

  /**
   * Push any manifest (cosign signatures and bundles, Notation signatures, the referrers fallback
   * index): under a tag it is putTag; with `tag` undefined it is stored by digest only, as a push
   * of `<image>@sha256:...` does. An untagged manifest makes no component, so it is never listed by
   * REST (§1.7) and raises no webhook (§4 is about components).
   */
  putManifest(repository: string, image: string, tag: string | undefined, manifest: FakeManifest): { digest: string; size: number } {
    if (manifest.mediaType === '') {
      throw new Error(`fake Nexus: a manifest pushed to ${repository}/${image} needs a media type`);
    }
    if (tag !== undefined) {
      return this.putTag(repository, image, tag, manifest);
    }
    this.touch();
    const repo = this.#pushTarget(repository, image, undefined);
    const stored = storeManifest(manifest);
    for (const { path, size } of referencedAssets(image, stored)) {
      this.#ensureLooseAsset(repo, path, size);
    }
    this.#ensureLooseAsset(repo, `/v2/${image}/manifests/${stored.digest}`, stored.bytes.length);
    repo.manifestsByDigest.set(`${image}@${stored.digest}`, stored);
    return { digest: stored.digest, size: stored.bytes.length };
  }

  /** Stores a blob's bytes in a repository (a loose asset, as Nexus keeps layer blobs); returns its digest. */
  putBlob(repository: string, bytes: Uint8Array): string {
    const repo = this.repositories.get(repository);
    if (repo === undefined || repo.format !== 'docker' || repo.type === 'group') {
      throw new Error(`fake Nexus: cannot push a blob to ${repository} (no hosted Docker repository of that name)`);
    }
    const digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
    repo.blobs.set(digest, Uint8Array.from(bytes));
    this.#ensureLooseAsset(repo, `/v2/-/blobs/${digest}`, bytes.length);
    return digest;
  }

  /** A blob by digest; a group answers from its first member that has it. */
  findBlob(repo: RepositoryRecord, digest: string): Uint8Array | undefined {
    for (const leaf of this.leafMembers(repo)) {
      const blob = leaf.blobs.get(digest);
      if (blob !== undefined) {
        return blob;
      }
    }
    return undefined;
  }

  /**
   * The manifests of `image` whose `subject` is `digest`, in push order, each once (a group may hold
   * the same manifest in several members): what the OCI referrers API lists.
   */
  referrersOf(repo: RepositoryRecord, image: string, digest: string): StoredManifest[] {
    const found = new Map<string, StoredManifest>();
    for (const leaf of this.leafMembers(repo)) {
      for (const [key, manifest] of leaf.manifestsByDigest) {
        if (key.startsWith(`${image}@`) && !found.has(manifest.digest) && subjectOf(manifest) === digest) {
          found.set(manifest.digest, manifest);
        }
      }
    }
    return [...found.values()];
  }

  /** Whether any member holds a manifest of `image`, tagged or not (the registry's "repository name known"). */
  hasImage(repo: RepositoryRecord, image: string): boolean {
    return this.leafMembers(repo).some((leaf) => [...leaf.manifestsByDigest.keys()].some((key) => key.startsWith(`${image}@`)));
  }

  deleteTag(repository: string, image: string, tag: string): void {
    this.touch();
    const repo = this.repositories.get(repository);
    const component = repo?.components.get(`${image}:${tag}`);
    if (repo === undefined || component === undefined) {
      throw new Error(`fake Nexus: ${repository}/${image}:${tag} does not exist`);
    }
    repo.components.delete(`${image}:${tag}`);
    // Manifests by digest and blobs stay until "Docker - Delete unused manifests and images" runs (§3).
    this.#onChange({
      action: 'deleted',
      repository,
      image,
      tag,
      digest: component.asset.blob.manifest.digest,
      componentInternalId: component.internalId,
      initiator: `${this.#uploader()}/${CLIENT_IP}`,
    });
  }

  /** Leaf (hosted/proxy) repositories behind a group, in member order, each once. */
  leafMembers(repo: RepositoryRecord, seen = new Set<string>()): RepositoryRecord[] {
    if (seen.has(repo.name)) {
      return [];
    }
    seen.add(repo.name);
    if (repo.type !== 'group') {
      return [repo];
    }
    return repo.members.flatMap((name) => {
      const member = this.repositories.get(name);
      return member === undefined ? [] : this.leafMembers(member, seen);
    });
  }

  containingGroups(name: string): RepositoryRecord[] {
    return [...this.repositories.values()].filter((candidate) => candidate.type === 'group' && candidate.name !== name && this.leafMembers(candidate).some((leaf) => leaf.name === name));
  }

  /**
   * Components visible through a repository in creation (component_id) order; groups merge their members (§1.4).
   * Memoised until the next push or delete, so that paging a registry of 100k tags stays linear (bench).
   */
  componentsInCreationOrder(repo: RepositoryRecord): ListedComponent[] {
    const cached = this.#ordered.get(repo.name);
    if (cached !== undefined && cached.generation === this.#generation) {
      return cached.components;
    }
    const components = this.leafMembers(repo)
      .flatMap((owner) => [...owner.components.values()].map((component) => ({ owner, component })))
      .sort((a, b) => a.component.internalId - b.component.internalId);
    this.#ordered.set(repo.name, { generation: this.#generation, components });
    return components;
  }

  /** The components after `after` (keyset pagination `component_id > #{token}`), by binary search. */
  componentsAfter(repo: RepositoryRecord, after: number, limit: number): ListedComponent[] {
    const all = this.componentsInCreationOrder(repo);
    let low = 0;
    let high = all.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if ((all[middle] as ListedComponent).component.internalId > after) {
        high = middle;
      } else {
        low = middle + 1;
      }
    }
    return all.slice(low, low + limit);
  }

  /** Bumped on every change of content; invalidates the memoised orderings. */
  #generation = 0;
  readonly #ordered = new Map<string, { generation: number; components: ListedComponent[] }>();

  touch(): void {
    this.#generation++;
  }

  tagsOf(repo: RepositoryRecord, image: string): string[] {
    const tags = new Set<string>();
    for (const { component } of this.componentsInCreationOrder(repo)) {
      if (component.image === image) {
        tags.add(component.tag);
      }
    }
    return [...tags].sort(lexical);
  }

  imagesOf(repo: RepositoryRecord): string[] {
    return [...new Set(this.componentsInCreationOrder(repo).map(({ component }) => component.image))].sort(lexical);
  }

  /** A manifest by tag or digest; a group answers from its first member that has it. */
  findManifest(repo: RepositoryRecord, image: string, reference: string): { manifest: StoredManifest; asset: TagAsset | undefined } | undefined {
    for (const leaf of this.leafMembers(repo)) {
      if (DIGEST_REFERENCE.test(reference)) {
        const manifest = leaf.manifestsByDigest.get(`${image}@${reference}`);
        if (manifest !== undefined) {
          return { manifest, asset: undefined };
        }
      } else {
        const component = leaf.components.get(`${image}:${reference}`);
        if (component !== undefined) {
          return { manifest: component.asset.registryManifest, asset: component.asset };
        }
      }
    }
    return undefined;
  }

  /** The "size" the repository metrics service reports: all blob bytes stored in the repository. */
  sizeOf(repo: RepositoryRecord): number {
    let size = 0;
    for (const asset of repo.looseAssets.values()) {
      size += asset.size;
    }
    for (const component of repo.components.values()) {
      size += component.asset.blob.manifest.bytes.length;
    }
    return size;
  }

  /** A strictly increasing clock: each stored row gets its own millisecond. */
  #tick(): number {
    this.#lastTimestamp = Math.max(Date.now(), this.#lastTimestamp + 1);
    return this.#lastTimestamp;
  }

  #next(sequence: Map<string, number>, format: string): number {
    const value = (sequence.get(format) ?? 0) + 1;
    sequence.set(format, value);
    return value;
  }

  #ensureLooseAsset(repo: RepositoryRecord, path: string, size: number): void {
    if (!repo.looseAssets.has(path)) {
      repo.looseAssets.set(path, { internalId: this.#next(this.#assetSequence, repo.format), size });
    }
  }

  /** registryDigestDiffers: the tag was moved to another manifest after the REST listing. */
  #movedManifest(repo: RepositoryRecord, image: string, key: string, original: StoredManifest): StoredManifest {
    const moved = storeManifest(makeManifest(`${key} moved from ${original.digest}`));
    repo.manifestsByDigest.set(`${image}@${moved.digest}`, moved);
    this.#ensureLooseAsset(repo, `/v2/${image}/manifests/${moved.digest}`, moved.bytes.length);
    return moved;
  }

  #uploader(): string {
    const users = this.#options.users ?? {};
    return Object.keys(users).find((name) => users[name]?.admin === true) ?? 'admin';
  }

  /** `tag` undefined: an untagged push, by digest only. */
  #pushTarget(repository: string, image: string, tag: string | undefined): RepositoryRecord {
    const repo = this.repositories.get(repository);
    if (repo === undefined) {
      throw new Error(`fake Nexus: repository ${repository} does not exist`);
    }
    if (repo.format !== 'docker' || repo.type === 'group') {
      throw new Error(`fake Nexus: cannot push a Docker tag to ${repo.format} ${repo.type} repository ${repository}`);
    }
    if (!IMAGE_PATTERN.test(image) || (tag !== undefined && !TAG_PATTERN.test(tag))) {
      throw new Error(`fake Nexus: invalid image reference ${image}${tag === undefined ? '' : `:${tag}`}`);
    }
    return repo;
  }
}

/** Registry ordering: lexical by code unit, like Go's sort.Strings for ASCII names. */
function lexical(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
