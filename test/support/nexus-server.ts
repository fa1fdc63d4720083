/**
 * A faithful fake of Sonatype Nexus Repository 3 (Docker repositories): the read-only REST API
 * under /service/rest and the Docker Registry V2 API on the main port under /repository/<repo>/v2/.
 *
 * Every behaviour below is taken from docs/nexus-and-registry.md ("§" numbers refer to it) or
 * from the nexus-public sources it cites (release 3.77.0-08); where a second-hand report and the
 * sources disagree, the sources win and the comment says so. Everything lives in one server instance:
 * there is no module-level mutable state.
 */
import { createHash, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

// ---------------------------------------------------------------------------------------------
// Public API
// ---------------------------------------------------------------------------------------------

export interface FakeNexusUser {
  readonly password: string;
  /** Administrative read on every repository (/v1/repositorySettings, /v1/repositories/docker/...). */
  readonly admin?: boolean;
  /**
   * Repositories this (non-admin) user may browse/read. Absent = all of them (like nx-repository-view-*-*-*).
   * Lets tests produce the list filtering and 403s of §1.2 / §1.8.
   */
  readonly repositories?: readonly string[];
}

export interface FakeNexusOptions {
  /** 'datastore' (default): group "", path "/v2/...", 8-hex tokens, "docker" : { } in assets.
   *  'orientdb': group null, path "v2/..." (no leading slash), 32-hex ids/tokens, no "docker" key,
   *  the duplicated "blobCreated" key quirk, and a page size of 10. */
  readonly flavour?: 'datastore' | 'orientdb';
  /** Basic-auth users. Absent = anonymous access allowed for everything. */
  readonly users?: Readonly<Record<string, FakeNexusUser>>;
  /** With users set: whether anonymous GETs are still allowed (lists then filtered as for anonymous). Default false. */
  readonly anonymous?: boolean;
  /** Registry API auth challenge: 'basic' (forceBasicAuth, default: `BASIC realm="Sonatype Nexus Repository Manager"`) or 'bearer' (realm = service = <base>/repository/<repo>/v2/token, no scope; token endpoint returns {"token":"DockerToken.<uuid>"} for valid Basic creds). */
  readonly registryAuth?: 'basic' | 'bearer';
  readonly quirks?: {
    /** HEAD on a manifest answers 404 while GET works. */
    readonly headManifest404?: boolean;
    /** tags/list contains a null entry. */
    readonly nullTag?: boolean;
    /** Link header on tags/list includes "/repository/<repo>" wrongly (issue #1011): following it gives 400. */
    readonly connectorLink?: boolean;
    /** Group repositories send no Link header. */
    readonly noLinkOnGroups?: boolean;
    /** The registry API serves another digest than REST checksum.sha256 for these "repo/image:tag" keys (tag moved between calls). */
    readonly registryDigestDiffers?: readonly string[];
    /** REST asset checksum omits sha256 for these "repo/image:tag" keys (so a crawler must ask the registry). */
    readonly missingChecksum?: readonly string[];
  };
}

export interface FakeManifest {
  readonly bytes: Uint8Array;
  readonly mediaType: string;
}

export interface FakeRepositoryDefinition {
  name: string;
  type: 'hosted' | 'proxy' | 'group';
  format?: 'docker' | 'maven2' | 'npm';
  members?: readonly string[];
  docker?: {
    httpPort?: number | null;
    httpsPort?: number | null;
    forceBasicAuth?: boolean;
    v1Enabled?: boolean;
    subdomain?: string | null;
    pathEnabled?: boolean;
  };
}

export interface FakeRequestRecord {
  readonly method: string;
  /** Path and query exactly as received. */
  readonly path: string;
  /** Whether an Authorization header was sent (valid or not). */
  readonly authorized: boolean;
  /** Status sent; 0 when the socket was destroyed by setOutage('reset'). */
  readonly status: number;
}

export interface FakeNexus {
  /** e.g. http://127.0.0.1:PORT (listens on 127.0.0.1 only, on a free port). */
  readonly url: string;
  /** Every request received (Community Edition request budget, §1.9: 401s count too). */
  readonly requests: readonly FakeRequestRecord[];
  addRepository(repo: FakeRepositoryDefinition): void;
  /** Push (or re-push) image:tag with this manifest; returns the digest "sha256:<hex>" and size. Re-pushing keeps the component and replaces its asset's blob. */
  putTag(repository: string, image: string, tag: string, manifest?: FakeManifest): { digest: string; size: number };
  deleteTag(repository: string, image: string, tag: string): void;
  /** Make every request answer `status` (e.g. 503, or 'reset' to destroy the socket) until called with undefined. */
  setOutage(status: number | 'reset' | undefined): void;
  stop(): Promise<void>;
}

export async function startNexusServer(options: FakeNexusOptions = {}): Promise<FakeNexus> {
  const nexus = new FakeNexusServer(options);
  await nexus.listen();
  return nexus;
}

/** A realistic Docker schema2 image manifest (JSON bytes, media type application/vnd.docker.distribution.manifest.v2+json) determined by seed. */
export function makeManifest(seed: string): FakeManifest {
  const hex = (label: string): string => sha256Hex(`${seed}\u0000${label}`);
  const between = (label: string, min: number, max: number): number =>
    min + (parseInt(hex(label).slice(0, 12), 16) % (max - min + 1));
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

// ---------------------------------------------------------------------------------------------
// Constants
// ---------------------------------------------------------------------------------------------

/** §1.1, §2.4: the challenge with forceBasicAuth and on the REST API. */
const BASIC_CHALLENGE = 'BASIC realm="Sonatype Nexus Repository Manager"';
const SERVER_HEADER = 'Nexus/3.77.0-08 (COMMUNITY)';
const MEDIA_TYPE_DOCKER_MANIFEST = 'application/vnd.docker.distribution.manifest.v2+json';
/** §1.4: PAGE_SIZE_LIMIT = 100 on datastore builds; older OrientDB builds paged by 10. */
const PAGE_SIZE = { datastore: 100, orientdb: 10 } as const;
/** §1.4 InternalIds: Knuth's multiplicative hash and its inverse modulo 2^32. */
const TO_EXTERNAL = 1327217885;
const TO_INTERNAL = 828308341;
/** Nexus only refreshes an asset's lastDownloaded when the previous one is older than this (default 12 h). */
const LAST_DOWNLOADED_INTERVAL_MS = 12 * 60 * 60 * 1000;
const DIGEST_REFERENCE = /^sha256:[0-9a-f]{64}$/;
const TAG_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const IMAGE_PATTERN = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/;

// ---------------------------------------------------------------------------------------------
// Jackson-style pretty printing (§1: "JSON is pretty-printed Jackson")
// ---------------------------------------------------------------------------------------------

type Json = null | boolean | number | string | readonly Json[] | JsonObject;
interface JsonObject {
  readonly [key: string]: Json | RepeatedKey;
}

/** A key written several times in a row: the OrientDB `"blobCreated" : null, "blobCreated" : "..."` quirk (§1.4). */
class RepeatedKey {
  readonly values: readonly Json[];
  constructor(values: readonly Json[]) {
    this.values = values;
  }
}

function isJsonArray(value: Json): value is readonly Json[] {
  return Array.isArray(value);
}

/**
 * Jackson's DefaultPrettyPrinter (INDENT_OUTPUT): objects put each `"key" : value` on its own line
 * indented by two spaces per level, `{ }` when empty; arrays stay inline as `[ a, b ]` / `[ ]` and
 * do not add a level. No trailing newline.
 */
function jacksonPretty(value: Json, depth = 0): string {
  if (value === null || typeof value !== 'object') {
    return JSON.stringify(value);
  }
  if (isJsonArray(value)) {
    return value.length === 0 ? '[ ]' : `[ ${value.map((item) => jacksonPretty(item, depth)).join(', ')} ]`;
  }
  const indent = '  '.repeat(depth + 1);
  const lines: string[] = [];
  for (const [key, field] of Object.entries(value)) {
    for (const item of field instanceof RepeatedKey ? field.values : [field]) {
      lines.push(`${indent}${JSON.stringify(key)} : ${jacksonPretty(item, depth + 1)}`);
    }
  }
  return lines.length === 0 ? '{ }' : `{\n${lines.join(',\n')}\n${'  '.repeat(depth)}}`;
}

/** Jackson's StdDateFormat as Nexus configures it: 2024-06-27T02:21:58.195+00:00. */
function jacksonDate(epochMillis: number): string {
  return new Date(epochMillis).toISOString().replace('Z', '+00:00');
}

// ---------------------------------------------------------------------------------------------
// Identifiers and continuation tokens (§1.4)
// ---------------------------------------------------------------------------------------------

/** What Java would throw; rendered by UnexpectedExceptionMapper as a 500. */
class JavaException {
  readonly text: string;
  constructor(text: string) {
    this.text = text;
  }
}

interface IdScheme {
  componentId(internalId: number): string;
  assetId(internalId: number): string;
  /** The internal id after which a page starts (`component_id > token`), or the exception Java throws. */
  parseToken(token: string): number | JavaException;
}

/**
 * Datastore (H2/PostgreSQL): InternalIds.toExternalId = Integer.toHexString((int) (id * 1327217885)).
 * toHexString does not pad, so about one id in sixteen has fewer than 8 digits (e.g. 13 -> "4689739").
 */
function datastoreExternalId(internalId: number): string {
  return (Math.imul(internalId, TO_EXTERNAL) >>> 0).toString(16);
}

/**
 * InternalIds.toInternalId: Integer.parseUnsignedInt(token, 16) * 828308341 truncated to int; on a
 * NumberFormatException it falls back to Integer.parseInt(token) (a decimal internal id); if that
 * fails too, the NumberFormatException escapes and the REST layer answers 500 (§1.8, last row).
 */
function datastoreParseToken(token: string): number | JavaException {
  const hex = /^\+?([0-9a-fA-F]+)$/.exec(token)?.[1];
  if (hex !== undefined && BigInt(`0x${hex}`) <= 0xffffffffn) {
    return Math.imul(Number(BigInt(`0x${hex}`)), TO_INTERNAL);
  }
  if (/^[+-]?\d+$/.test(token)) {
    const decimal = BigInt(token);
    if (decimal >= -(2n ** 31n) && decimal < 2n ** 31n) {
      return Number(decimal);
    }
  }
  return new JavaException(`java.lang.NumberFormatException: For input string: "${token}"`);
}

class DatastoreIds implements IdScheme {
  componentId(internalId: number): string {
    return datastoreExternalId(internalId);
  }
  assetId(internalId: number): string {
    return datastoreExternalId(internalId);
  }
  parseToken(token: string): number | JavaException {
    return datastoreParseToken(token);
  }
}

/**
 * OrientDB builds exposed obfuscated record ids: 32 hex digits, opaque, stable per installation
 * (e.g. docker-hosted:6dfda0a843f4201d7c831731b2609aee). The token is the last component's id.
 */
class OrientIds implements IdScheme {
  readonly #salt = randomUUID();
  readonly #componentsByToken = new Map<string, number>();

  componentId(internalId: number): string {
    const id = createHash('md5').update(`${this.#salt}:component:${internalId}`).digest('hex');
    this.#componentsByToken.set(id, internalId);
    return id;
  }
  assetId(internalId: number): string {
    return createHash('md5').update(`${this.#salt}:asset:${internalId}`).digest('hex');
  }
  parseToken(token: string): number | JavaException {
    // (unverified) the exception text of an undecodable OrientDB record id.
    return this.#componentsByToken.get(token) ?? new JavaException(`java.lang.IllegalArgumentException: Invalid continuation token: ${token}`);
  }
}

/** RepositoryItemIDXO.getValue: base64url without padding of "<repository>:<externalId>". */
function repositoryItemId(repository: string, externalId: string): string {
  return Buffer.from(`${repository}:${externalId}`, 'utf8').toString('base64url');
}

// ---------------------------------------------------------------------------------------------
// Content model
// ---------------------------------------------------------------------------------------------

interface StoredManifest {
  readonly bytes: Uint8Array;
  readonly mediaType: string;
  /** "sha256:<hex>", the Docker-Content-Digest (§1.7: equal to checksum.sha256). */
  readonly digest: string;
  readonly sha1: string;
}

interface AssetBlob {
  readonly manifest: StoredManifest;
  readonly createdAt: number;
  readonly uploader: string;
  readonly uploaderIp: string;
}

/** The tagged manifest asset /v2/<image>/manifests/<tag>: the single asset of a Docker component (§0.3). */
interface TagAsset {
  readonly internalId: number;
  readonly createdAt: number;
  blob: AssetBlob;
  /** What the registry API serves for the tag (differs from blob.manifest with the registryDigestDiffers quirk). */
  registryManifest: StoredManifest;
  lastDownloaded: number | null;
}

interface ComponentRecord {
  readonly internalId: number;
  readonly image: string;
  readonly tag: string;
  readonly asset: TagAsset;
}

/** Component-less assets: layer/config blobs, manifests by digest, manifest-list children (§1.5, §1.7). */
interface LooseAsset {
  readonly internalId: number;
  readonly size: number;
}

interface DockerSettings {
  readonly v1Enabled: boolean;
  readonly forceBasicAuth: boolean;
  readonly httpPort: number | null;
  readonly httpsPort: number | null;
  readonly subdomain: string | null;
  readonly pathEnabled: boolean;
}

interface RepositoryRecord {
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
}

interface ListedComponent {
  readonly owner: RepositoryRecord;
  readonly component: ComponentRecord;
}

function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

function storeManifest(manifest: FakeManifest): StoredManifest {
  const bytes = Uint8Array.from(manifest.bytes);
  return {
    bytes,
    mediaType: manifest.mediaType,
    digest: `sha256:${sha256Hex(bytes)}`,
    sha1: createHash('sha1').update(bytes).digest('hex'),
  };
}

/** The blobs and child manifests a manifest references, as Nexus stores them (asset paths). */
function referencedAssets(image: string, manifest: StoredManifest): { path: string; size: number }[] {
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

/** The repositories, their content and the per-format id sequences of one Nexus instance. */
class NexusContent {
  readonly repositories = new Map<string, RepositoryRecord>();
  /** Datastore ids come from one sequence per format table (docker_component, docker_asset). */
  readonly #componentSequence = new Map<string, number>();
  readonly #assetSequence = new Map<string, number>();
  readonly #options: FakeNexusOptions;
  #lastTimestamp = 0;

  constructor(options: FakeNexusOptions) {
    this.#options = options;
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
    const registryManifest = this.#options.quirks?.registryDigestDiffers?.includes(key) === true
      ? this.#movedManifest(repo, image, key, stored)
      : stored;
    const blob: AssetBlob = { manifest: stored, createdAt: this.#tick(), uploader: this.#uploader(), uploaderIp: '127.0.0.1' };
    const existing = repo.components.get(`${image}:${tag}`);
    if (existing !== undefined) {
      // Re-push: the component and its asset row stay (same ids, same asset created time);
      // only the asset's blob is replaced, so lastModified (= blob created) moves (§1.4).
      existing.asset.blob = blob;
      existing.asset.registryManifest = registryManifest;
    } else {
      const componentId = this.#next(this.#componentSequence, repo.format);
      const asset: TagAsset = {
        internalId: this.#next(this.#assetSequence, repo.format),
        createdAt: this.#tick(), // the asset row is written just after its blob
        blob,
        registryManifest,
        lastDownloaded: null,
      };
      repo.components.set(`${image}:${tag}`, { internalId: componentId, image, tag, asset });
    }
    return { digest: stored.digest, size: stored.bytes.length };
  }

  deleteTag(repository: string, image: string, tag: string): void {
    this.touch();
    const repo = this.repositories.get(repository);
    if (repo?.components.delete(`${image}:${tag}`) !== true) {
      throw new Error(`fake Nexus: ${repository}/${image}:${tag} does not exist`);
    }
    // Manifests by digest and blobs stay until "Docker - Delete unused manifests and images" runs (§3).
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
    return [...this.repositories.values()].filter(
      (candidate) => candidate.type === 'group' && candidate.name !== name && this.leafMembers(candidate).some((leaf) => leaf.name === name),
    );
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

  #pushTarget(repository: string, image: string, tag: string): RepositoryRecord {
    const repo = this.repositories.get(repository);
    if (repo === undefined) {
      throw new Error(`fake Nexus: repository ${repository} does not exist`);
    }
    if (repo.format !== 'docker' || repo.type === 'group') {
      throw new Error(`fake Nexus: cannot push a Docker tag to ${repo.format} ${repo.type} repository ${repository}`);
    }
    if (!IMAGE_PATTERN.test(image) || !TAG_PATTERN.test(tag)) {
      throw new Error(`fake Nexus: invalid image reference ${image}:${tag}`);
    }
    return repo;
  }
}

/** Registry ordering: lexical by code unit, like Go's sort.Strings for ASCII names. */
function lexical(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

// ---------------------------------------------------------------------------------------------
// Authentication and authorisation (§1.1, §1.2, §1.3, §2.4)
// ---------------------------------------------------------------------------------------------

type Principal =
  | { readonly kind: 'anonymous'; readonly viaToken: boolean }
  | { readonly kind: 'user'; readonly name: string; readonly admin: boolean; readonly repositories: readonly string[] | undefined }
  | { readonly kind: 'invalid' };

const NO_CREDENTIALS: Principal = { kind: 'anonymous', viaToken: false };

function userPrincipal(name: string, user: FakeNexusUser): Principal {
  return { kind: 'user', name, admin: user.admin === true, repositories: user.repositories };
}

function basicCredentials(header: string): { name: string; password: string } | undefined {
  const encoded = /^Basic\s+(\S+)\s*$/i.exec(header)?.[1];
  if (encoded === undefined) {
    return undefined;
  }
  const decoded = Buffer.from(encoded, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? undefined : { name: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

class Security {
  readonly #options: FakeNexusOptions;
  /** DockerToken.<uuid> -> who it was issued to (§2.4: opaque, no expiry). */
  readonly #tokens = new Map<string, Principal>();

  constructor(options: FakeNexusOptions) {
    this.#options = options;
  }

  /** Anonymous access is on when no users are configured, or explicitly with users. */
  get anonymousAllowed(): boolean {
    return this.#options.users === undefined || this.#options.anonymous === true;
  }

  principalOf(req: IncomingMessage): Principal {
    const header = req.headers.authorization;
    if (header === undefined) {
      return NO_CREDENTIALS;
    }
    const bearer = /^Bearer\s+(\S+)\s*$/i.exec(header)?.[1];
    if (bearer !== undefined) {
      return this.#tokens.get(bearer) ?? { kind: 'invalid' };
    }
    return this.checkBasic(header) ?? { kind: 'invalid' };
  }

  checkBasic(header: string): Principal | undefined {
    const credentials = basicCredentials(header);
    const user = credentials === undefined ? undefined : this.#options.users?.[credentials.name];
    return credentials !== undefined && user !== undefined && user.password === credentials.password
      ? userPrincipal(credentials.name, user)
      : undefined;
  }

  issueToken(principal: Principal): string {
    const token = `DockerToken.${randomUUID()}`;
    this.#tokens.set(token, principal);
    return token;
  }

  /** Browse/read privilege (nx-repository-view-*); the anonymous role may browse everything. */
  canBrowse(principal: Principal, repo: RepositoryRecord): boolean {
    switch (principal.kind) {
      case 'anonymous':
        return this.anonymousAllowed || principal.viaToken;
      case 'user':
        return principal.admin || principal.repositories === undefined || principal.repositories.includes(repo.name);
      case 'invalid':
        return false;
    }
  }

  isAdmin(principal: Principal): boolean {
    return principal.kind === 'user' && principal.admin;
  }
}

// ---------------------------------------------------------------------------------------------
// HTTP plumbing
// ---------------------------------------------------------------------------------------------

interface Exchange {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly url: URL;
  /** Base URL as Nexus derives it from the request (BaseUrlHolder). */
  readonly origin: string;
  readonly principal: Principal;
}

type Headers = Readonly<Record<string, string>>;

class FakeNexusServer implements FakeNexus {
  readonly requests: FakeRequestRecord[] = [];
  readonly #options: FakeNexusOptions;
  readonly #flavour: 'datastore' | 'orientdb';
  readonly #ids: IdScheme;
  readonly #content: NexusContent;
  readonly #security: Security;
  readonly #server: Server;
  #url = '';
  #outage: number | 'reset' | undefined;

  constructor(options: FakeNexusOptions) {
    this.#options = options;
    this.#flavour = options.flavour ?? 'datastore';
    this.#ids = this.#flavour === 'orientdb' ? new OrientIds() : new DatastoreIds();
    this.#content = new NexusContent(options);
    this.#security = new Security(options);
    this.#server = createServer((req, res) => this.#handle(req, res));
  }

  get url(): string {
    return this.#url;
  }

  async listen(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(0, '127.0.0.1', () => {
        this.#server.off('error', reject);
        resolve();
      });
    });
    this.#url = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  addRepository(repo: FakeRepositoryDefinition): void {
    this.#content.addRepository(repo);
  }

  putTag(repository: string, image: string, tag: string, manifest?: FakeManifest): { digest: string; size: number } {
    return this.#content.putTag(repository, image, tag, manifest);
  }

  deleteTag(repository: string, image: string, tag: string): void {
    this.#content.deleteTag(repository, image, tag);
  }

  setOutage(status: number | 'reset' | undefined): void {
    this.#outage = status;
  }

  stop(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#server.close((error) => (error === undefined ? resolve() : reject(error)));
      this.#server.closeAllConnections();
    });
  }

  // ----- dispatch -----

  #handle(req: IncomingMessage, res: ServerResponse): void {
    if (this.#outage === 'reset') {
      this.#record(req, 0);
      req.socket.destroy();
      return;
    }
    const url = new URL(req.url ?? '/', 'http://nexus.invalid');
    const ex: Exchange = {
      req,
      res,
      url,
      origin: `http://${req.headers.host ?? this.#url.slice('http://'.length)}`,
      principal: this.#security.principalOf(req),
    };
    if (this.#outage !== undefined) {
      this.#send(ex, this.#outage, {}, '');
      return;
    }
    try {
      if (url.pathname.startsWith('/service/rest/')) {
        this.#rest(ex, url.pathname.slice('/service/rest'.length));
        return;
      }
      const content = /^\/repository\/([^/]+)(\/.*)?$/.exec(url.pathname);
      if (content?.[1] !== undefined) {
        this.#repositoryContent(ex, decodeURIComponent(content[1]), content[2] ?? '');
        return;
      }
      this.#htmlNotFound(ex);
    } catch (error) {
      this.#restUnexpected(ex, new JavaException(`java.lang.RuntimeException: ${String(error)}`));
    }
  }

  #record(req: IncomingMessage, status: number): void {
    this.requests.push({ method: req.method ?? 'GET', path: req.url ?? '/', authorized: req.headers.authorization !== undefined, status });
  }

  #send(ex: Exchange, status: number, headers: Headers, body: string | Uint8Array): void {
    const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
    this.#record(ex.req, status);
    ex.res.writeHead(status, {
      Server: SERVER_HEADER,
      'X-Content-Type-Options': 'nosniff',
      ...headers,
      'Content-Length': String(bytes.length),
    });
    ex.res.end(bytes); // Node drops the body of HEAD responses and keeps Content-Length.
  }

  #htmlNotFound(ex: Exchange): void {
    this.#send(ex, 404, { 'Content-Type': 'text/html' }, '<!DOCTYPE html>\n<html lang="en">\n<head>\n  <title>404 - Sonatype Nexus Repository</title>\n</head>\n<body>\n<h1>Error 404</h1>\n<p>Not Found</p>\n</body>\n</html>\n');
  }

  // ---------------------------------------------------------------------------------------------
  // REST API (§1)
  // ---------------------------------------------------------------------------------------------

  #rest(ex: Exchange, path: string): void {
    if (path === '/v1/status' || path === '/v1/status/writable') {
      // §1.1: health checks need no authentication.
      this.#send(ex, 200, {}, '');
      return;
    }
    if (!this.#restAuthenticated(ex)) {
      return;
    }
    if (ex.req.method !== 'GET' && ex.req.method !== 'HEAD') {
      this.#restStatusOnly(ex, 405);
      return;
    }
    const dockerSettings = /^\/v1\/repositories\/docker\/(hosted|proxy|group)\/([^/]+)$/.exec(path);
    const single = /^\/v1\/repositories\/([^/]+)$/.exec(path);
    if (path === '/v1/repositories') {
      this.#listRepositories(ex);
    } else if (dockerSettings?.[1] !== undefined && dockerSettings[2] !== undefined) {
      this.#dockerRepositorySettings(ex, dockerSettings[1], decodeURIComponent(dockerSettings[2]));
    } else if (single?.[1] !== undefined) {
      this.#getRepository(ex, decodeURIComponent(single[1]));
    } else if (path === '/v1/repositorySettings') {
      this.#listRepositorySettings(ex);
    } else if (path === '/v1/components') {
      this.#listComponents(ex);
    } else {
      this.#restStatusOnly(ex, 404); // RESTEasy NotFoundException through WebappExceptionMapper
    }
  }

  /** The security filter: bad credentials, or anonymous with anonymous access off, get the BASIC challenge (§1.8). */
  #restAuthenticated(ex: Exchange): boolean {
    if (ex.principal.kind === 'invalid' || (ex.principal.kind === 'anonymous' && !this.#security.anonymousAllowed)) {
      this.#send(ex, 401, { 'WWW-Authenticate': BASIC_CHALLENGE }, '');
      return false;
    }
    return true;
  }

  #restJson(ex: Exchange, status: number, value: Json): void {
    this.#send(ex, status, { 'Content-Type': 'application/json' }, jacksonPretty(value));
  }

  /**
   * A WebApplicationException without entity (422, 404, 403 of §1.8): since CVE-2020-25633 the
   * WebappExceptionMapper sends the status alone, so the messages of §1.8 never reach the client;
   * ExceptionMapperSupport adds the X-Siesta-FaultId header.
   */
  #restStatusOnly(ex: Exchange, status: number): void {
    this.#send(ex, status, { 'X-Siesta-FaultId': randomUUID() }, '');
  }

  /** UnexpectedExceptionMapper: 500, text/plain "ERROR: (ID <fault id>) <exception>". */
  #restUnexpected(ex: Exchange, exception: JavaException): void {
    const faultId = randomUUID();
    this.#send(ex, 500, { 'Content-Type': 'text/plain', 'X-Siesta-FaultId': faultId }, `ERROR: (ID ${faultId}) ${exception.text}`);
  }

  /** @RequiresAuthentication for the anonymous subject: AuthorizationExceptionMapper answers 401 with the challenge. */
  #restRequireAuthentication(ex: Exchange): boolean {
    if (ex.principal.kind === 'user') {
      return true;
    }
    this.#send(ex, 401, { 'WWW-Authenticate': BASIC_CHALLENGE, 'X-Siesta-FaultId': randomUUID() }, '');
    return false;
  }

  #repositoryUrl(ex: Exchange, repo: RepositoryRecord): string {
    return `${ex.origin}/repository/${repo.name}`;
  }

  /** RepositoryXO (§1.2): name, format, type, url, size, attributes; never the Docker connector settings. */
  #repositoryXO(ex: Exchange, repo: RepositoryRecord): JsonObject {
    return {
      name: repo.name,
      format: repo.format,
      type: repo.type,
      url: this.#repositoryUrl(ex, repo),
      size: this.#content.sizeOf(repo),
      attributes: repo.type === 'proxy' ? { proxy: { remoteUrl: remoteUrlOf(repo) } } : {},
    };
  }

  /** §1.2: an unpaginated array in a stable (creation) order, silently filtered to browsable repositories. */
  #listRepositories(ex: Exchange): void {
    const visible = [...this.#content.repositories.values()].filter((repo) => this.#security.canBrowse(ex.principal, repo));
    this.#restJson(ex, 200, visible.map((repo) => this.#repositoryXO(ex, repo)));
  }

  /** §1.2 getReadableRepository: 404 unknown, 403 without read/browse on it or on a containing group. */
  #getRepository(ex: Exchange, name: string): void {
    const repo = this.#content.repositories.get(name);
    if (repo === undefined) {
      this.#restStatusOnly(ex, 404);
      return;
    }
    const readable = [repo, ...this.#content.containingGroups(name)].some((candidate) => this.#security.canBrowse(ex.principal, candidate));
    if (!readable) {
      this.#restStatusOnly(ex, 403);
      return;
    }
    this.#restJson(ex, 200, this.#repositoryXO(ex, repo));
  }

  /** §1.3: only repositories with administrative read, with their full settings. */
  #listRepositorySettings(ex: Exchange): void {
    if (!this.#restRequireAuthentication(ex)) {
      return;
    }
    const administrable = this.#security.isAdmin(ex.principal) ? [...this.#content.repositories.values()] : [];
    this.#restJson(ex, 200, administrable.map((repo) => this.#repositorySettings(ex, repo)));
  }

  /**
   * §1.3 /v1/repositories/docker/{type}/{name}. Missing, not administrable and format/type mismatch all
   * give the same 404: a WebApplicationMessageException whose entity is a ValidationErrorXO (since
   * 3.5x; it carries an entity, so no exception mapper strips it) with the message "\"Repository not found\"".
   */
  #dockerRepositorySettings(ex: Exchange, type: string, name: string): void {
    if (!this.#restRequireAuthentication(ex)) {
      return;
    }
    const repo = this.#content.repositories.get(name);
    if (repo === undefined || !this.#security.isAdmin(ex.principal) || repo.format !== 'docker' || repo.type !== type) {
      this.#restJson(ex, 404, { id: '*', message: '"Repository not found"' });
      return;
    }
    this.#restJson(ex, 200, this.#repositorySettings(ex, repo));
  }

  #repositorySettings(ex: Exchange, repo: RepositoryRecord): JsonObject {
    const common = { name: repo.name, format: repo.format, type: repo.type, url: this.#repositoryUrl(ex, repo), online: true };
    const docker: JsonObject = { ...repo.docker };
    const formatBlock: JsonObject = repo.format === 'docker'
      ? { docker }
      : repo.format === 'maven2' && repo.type !== 'group'
        ? { maven: { versionPolicy: 'RELEASE', layoutPolicy: 'STRICT', contentDisposition: 'INLINE' } }
        : {};
    switch (repo.type) {
      case 'hosted':
        return {
          ...common,
          storage: {
            blobStoreName: 'default',
            strictContentTypeValidation: true,
            writePolicy: 'ALLOW', // re-pushing tags is allowed (putTag re-push)
            ...(repo.format === 'docker' ? { latestPolicy: false } : {}),
          },
          cleanup: { policyNames: [] },
          component: { proprietaryComponents: false },
          ...formatBlock,
        };
      case 'proxy':
        return {
          ...common,
          storage: { blobStoreName: 'default', strictContentTypeValidation: true },
          cleanup: { policyNames: [] },
          proxy: { remoteUrl: remoteUrlOf(repo), contentMaxAge: 1440, metadataMaxAge: 1440 },
          negativeCache: { enabled: true, timeToLive: 1440 },
          httpClient: {
            blocked: false,
            autoBlock: true,
            connection: { retries: null, userAgentSuffix: null, timeout: null, enableCircularRedirects: false, enableCookies: false, useTrustStore: false },
            authentication: null,
          },
          routingRuleName: null,
          ...formatBlock,
          ...(repo.format === 'docker'
            ? { dockerProxy: { indexType: 'HUB', indexUrl: 'https://index.docker.io/', cacheForeignLayers: false, foreignLayerUrlWhitelist: [] } }
            : {}),
        };
      case 'group':
        return {
          ...common,
          storage: { blobStoreName: 'default', strictContentTypeValidation: true },
          group: { memberNames: [...repo.members] },
          ...formatBlock,
        };
    }
  }

  /**
   * §1.4 GET /v1/components?repository=X[&continuationToken=T]: keyset pages of a fixed size in
   * creation order; the token is the last item's external id whenever the page is full, so a
   * repository holding exactly k pages costs one more request for an empty page.
   */
  #listComponents(ex: Exchange): void {
    const name = ex.url.searchParams.get('repository');
    if (name === null) {
      this.#restStatusOnly(ex, 422); // "repositoryId is required."
      return;
    }
    const repo = this.#content.repositories.get(name);
    if (repo === undefined) {
      this.#restStatusOnly(ex, 404); // "Unable to locate repository with id X"
      return;
    }
    if (!this.#security.canBrowse(ex.principal, repo)) {
      this.#restStatusOnly(ex, 403);
      return;
    }
    const token = ex.url.searchParams.get('continuationToken');
    const after = token === null ? Number.NEGATIVE_INFINITY : this.#ids.parseToken(token);
    if (after instanceof JavaException) {
      this.#restUnexpected(ex, after);
      return;
    }
    const pageSize = PAGE_SIZE[this.#flavour];
    const page = this.#content.componentsAfter(repo, after, pageSize);
    const last = page[page.length - 1];
    this.#restJson(ex, 200, {
      items: page.map((listed) => this.#componentXO(ex, repo, listed)),
      continuationToken: page.length < pageSize || last === undefined ? null : this.#ids.componentId(last.component.internalId),
    });
  }

  /**
   * ComponentXO: id, repository, format, group, name, version, assets. A group relabels its members'
   * components: repository, ids and downloadUrl name the group (§1.4 "Group repositories").
   */
  #componentXO(ex: Exchange, browsed: RepositoryRecord, { owner, component }: ListedComponent): JsonObject {
    return {
      id: repositoryItemId(browsed.name, this.#ids.componentId(component.internalId)),
      repository: browsed.name,
      format: browsed.format,
      group: this.#flavour === 'orientdb' ? null : '',
      name: component.image,
      version: component.tag,
      assets: [this.#assetXO(ex, browsed, owner, component)],
    };
  }

  /** AssetXO (§1.4), datastore or OrientDB flavour. */
  #assetXO(ex: Exchange, browsed: RepositoryRecord, owner: RepositoryRecord, component: ComponentRecord): JsonObject {
    const { asset } = component;
    const { manifest } = asset.blob;
    const key = `${owner.name}/${component.image}:${component.tag}`;
    const withSha256 = this.#options.quirks?.missingChecksum?.includes(key) !== true;
    const sha256 = manifest.digest.slice('sha256:'.length);
    const datastorePath = `/v2/${component.image}/manifests/${component.tag}`;
    const repositoryUrl = this.#repositoryUrl(ex, browsed);
    const orient = this.#flavour === 'orientdb';
    const path = orient ? datastorePath.slice(1) : datastorePath;
    const common = {
      downloadUrl: orient ? `${repositoryUrl}/${path}` : `${repositoryUrl}${path}`,
      path,
      id: repositoryItemId(browsed.name, this.#ids.assetId(asset.internalId)),
      repository: browsed.name,
      format: browsed.format,
      // Checksum key order as captured: sha256 first on 3.8x datastore, sha1 first on 3.69 OrientDB.
      checksum: orient
        ? { sha1: manifest.sha1, ...(withSha256 ? { sha256 } : {}) }
        : { ...(withSha256 ? { sha256 } : {}), sha1: manifest.sha1 },
      contentType: manifest.mediaType,
      // The swap of §1.4: lastModified = blob created, blobCreated = asset created.
      lastModified: jacksonDate(asset.blob.createdAt),
      lastDownloaded: asset.lastDownloaded === null ? null : jacksonDate(asset.lastDownloaded),
      uploader: asset.blob.uploader,
      uploaderIp: asset.blob.uploaderIp,
      fileSize: manifest.bytes.length,
    };
    if (orient) {
      // OrientDB capture (3.69): no blobStoreName, no "docker" key, "blobCreated" written twice.
      return { ...common, blobCreated: new RepeatedKey([null, jacksonDate(asset.createdAt)]) };
    }
    return { ...common, blobCreated: jacksonDate(asset.createdAt), blobStoreName: 'default', docker: {} };
  }

  // ---------------------------------------------------------------------------------------------
  // Docker Registry V2 API on the main port: /repository/<repo>/v2/... (§2)
  // ---------------------------------------------------------------------------------------------

  #repositoryContent(ex: Exchange, name: string, rest: string): void {
    const repo = this.#content.repositories.get(name);
    if (repo === undefined || repo.format !== 'docker') {
      this.#htmlNotFound(ex);
      return;
    }
    if (rest === '/v2/token' && this.#options.registryAuth === 'bearer') {
      this.#token(ex);
      return;
    }
    if (!this.#registryAuthorized(ex, repo)) {
      return;
    }
    if (rest !== '/v2' && !rest.startsWith('/v2/')) {
      // Not a Docker V2 path, e.g. the doubled /repository/<repo>/repository/<repo>/v2/... that the
      // connectorLink quirk advertises: Nexus answers 400 (issue #1011; body not captured).
      this.#send(ex, 400, { 'Content-Type': 'text/plain' }, 'Bad Request');
      return;
    }
    if (ex.req.method !== 'GET' && ex.req.method !== 'HEAD') {
      this.#registryError(ex, 405, 'UNSUPPORTED', 'The operation is unsupported.', null);
      return;
    }
    const path = rest.slice('/v2'.length);
    const tags = /^\/(.+)\/tags\/list$/.exec(path);
    const manifest = /^\/(.+)\/manifests\/([^/]+)$/.exec(path);
    const blob = /^\/(.+)\/blobs\/([^/]+)$/.exec(path);
    if (path === '' || path === '/') {
      this.#send(ex, 200, { ...REGISTRY_HEADERS, 'Content-Type': 'application/json' }, '{}');
    } else if (path === '/_catalog') {
      this.#catalog(ex, repo);
    } else if (tags?.[1] !== undefined) {
      this.#tagsList(ex, repo, decodeURIComponent(tags[1]));
    } else if (manifest?.[1] !== undefined && manifest[2] !== undefined) {
      this.#manifest(ex, repo, decodeURIComponent(manifest[1]), decodeURIComponent(manifest[2]));
    } else if (blob?.[1] !== undefined && blob[2] !== undefined) {
      // Blob bytes are not modelled: the fake only stores manifests.
      this.#registryError(ex, 404, 'BLOB_UNKNOWN', 'blob unknown to registry', [{ Name: decodeURIComponent(blob[1]) }, { Digest: decodeURIComponent(blob[2]) }]);
    } else {
      this.#registryError(ex, 404, 'NOT_FOUND', 'not found', null);
    }
  }

  /**
   * Who may use the registry API of a repository. Without configured users everything is open.
   * Otherwise every request needs valid Basic credentials or a DockerToken: forceBasicAuth allows no
   * anonymous docker access at all, and in bearer mode anonymous clients first get a token (§2.4).
   */
  #registryAuthorized(ex: Exchange, repo: RepositoryRecord): boolean {
    const { principal } = ex;
    const authenticated = principal.kind === 'user' || (principal.kind === 'anonymous' && (principal.viaToken || this.#options.users === undefined));
    if (!authenticated) {
      this.#registryError(ex, 401, 'UNAUTHORIZED', 'access to the requested resource is not authorized', null, {
        'WWW-Authenticate': this.#registryChallenge(ex, repo),
      });
      return false;
    }
    if (!this.#security.canBrowse(principal, repo)) {
      // (unverified) the denial body Nexus sends to an authenticated user without read privilege.
      this.#registryError(ex, 403, 'DENIED', 'requested access to the resource is denied', null);
      return false;
    }
    return true;
  }

  /** §2.4: BASIC with forceBasicAuth; otherwise Bearer with realm = service = the token URL and no scope. */
  #registryChallenge(ex: Exchange, repo: RepositoryRecord): string {
    if (repo.docker.forceBasicAuth || this.#options.registryAuth !== 'bearer') {
      return BASIC_CHALLENGE;
    }
    const realm = `${ex.origin}/repository/${repo.name}/v2/token`;
    return `Bearer realm="${realm}",service="${realm}"`;
  }

  /** §2.4 GET /v2/token: {"token":"DockerToken.<uuid>"} (no expires_in); anonymous tokens when anonymous access is on. */
  #token(ex: Exchange): void {
    const header = ex.req.headers.authorization;
    const principal = header === undefined
      ? (this.#security.anonymousAllowed ? { kind: 'anonymous', viaToken: true } as const : undefined)
      : this.#security.checkBasic(header);
    if (principal === undefined) {
      this.#registryError(ex, 401, 'UNAUTHORIZED', 'access to the requested resource is not authorized', null, { 'WWW-Authenticate': BASIC_CHALLENGE });
      return;
    }
    this.#send(ex, 200, { ...REGISTRY_HEADERS, 'Content-Type': 'application/json' }, JSON.stringify({ token: this.#security.issueToken(principal) }));
  }

  #registryError(ex: Exchange, status: number, code: string, message: string, detail: unknown, headers: Headers = {}): void {
    this.#send(ex, status, { ...REGISTRY_HEADERS, 'Content-Type': 'application/json', ...headers }, JSON.stringify({ errors: [{ code, message, detail }] }));
  }

  /**
   * §2.2 pagination: `n` = page size (absent: everything), `last` = exclusive start, next page
   * announced only by an absolute Link header (Nexus; distribution's are relative) with the query
   * order Nexus uses (?n=..&last=.., issues #117 and #1011).
   */
  #paginate(ex: Exchange, all: readonly string[]): { page: string[]; next: string | undefined } | undefined {
    const nParameter = ex.url.searchParams.get('n');
    const last = ex.url.searchParams.get('last');
    const remaining = last === null ? [...all] : all.filter((entry) => entry > last);
    if (nParameter === null) {
      return { page: remaining, next: undefined };
    }
    if (!/^\d+$/.test(nParameter)) {
      this.#registryError(ex, 400, 'PAGINATION_NUMBER_INVALID', 'invalid number of results requested', { n: nParameter });
      return undefined;
    }
    const n = Number(nParameter);
    const page = remaining.slice(0, n);
    const lastOfPage = page[page.length - 1];
    return { page, next: remaining.length > n && lastOfPage !== undefined ? `?n=${n}&last=${encodeURIComponent(lastOfPage)}` : undefined };
  }

  #linkAllowed(repo: RepositoryRecord): boolean {
    // §2.2: group repositories historically sent no Link header (issue #117, NEXUS-35956).
    return !(repo.type === 'group' && this.#options.quirks?.noLinkOnGroups === true);
  }

  #tagsList(ex: Exchange, repo: RepositoryRecord, image: string): void {
    const tags = this.#content.tagsOf(repo, image);
    if (tags.length === 0) {
      this.#registryError(ex, 404, 'NAME_UNKNOWN', 'repository name not known to registry', { name: image });
      return;
    }
    const paged = this.#paginate(ex, tags);
    if (paged === undefined) {
      return;
    }
    const headers: Record<string, string> = { ...REGISTRY_HEADERS, 'Content-Type': 'application/json' };
    if (paged.next !== undefined && this.#linkAllowed(repo)) {
      // Issue #1011: on a connector the Link wrongly carries "/repository/<repo>"; on the main port that
      // shows up as the prefix appearing twice, and following it gives 400.
      const prefix = this.#options.quirks?.connectorLink === true ? `/repository/${repo.name}/repository/${repo.name}` : `/repository/${repo.name}`;
      headers['Link'] = `<${ex.origin}${prefix}/v2/${image}/tags/list${paged.next}>; rel="next"`;
    }
    // §2.2: skopeo#2409 saw `"tags": [null, ...]` from Nexus; the null comes first, on the first page.
    const body: (string | null)[] = this.#options.quirks?.nullTag === true && ex.url.searchParams.get('last') === null
      ? [null, ...paged.page]
      : paged.page;
    this.#send(ex, 200, headers, JSON.stringify({ name: image, tags: body }));
  }

  /** §2.2 catalog: pagination undocumented on Nexus; modelled like tags/list. */
  #catalog(ex: Exchange, repo: RepositoryRecord): void {
    const paged = this.#paginate(ex, this.#content.imagesOf(repo));
    if (paged === undefined) {
      return;
    }
    const headers: Record<string, string> = { ...REGISTRY_HEADERS, 'Content-Type': 'application/json' };
    if (paged.next !== undefined && this.#linkAllowed(repo)) {
      headers['Link'] = `<${ex.origin}/repository/${repo.name}/v2/_catalog${paged.next}>; rel="next"`;
    }
    this.#send(ex, 200, headers, JSON.stringify({ repositories: paged.page }));
  }

  /**
   * §2.3 GET|HEAD /v2/<name>/manifests/<tag|digest>: the stored bytes whatever the Accept header
   * (Nexus quirk), with Docker-Content-Digest, the stored Content-Type and Content-Length.
   */
  #manifest(ex: Exchange, repo: RepositoryRecord, image: string, reference: string): void {
    const found = this.#content.findManifest(repo, image, reference);
    const head = ex.req.method === 'HEAD';
    if (found === undefined || (head && this.#options.quirks?.headManifest404 === true)) {
      // The quirk: HEAD answers 404 while GET works (§2.3).
      const detail = [{ Name: image }, DIGEST_REFERENCE.test(reference) ? { Revision: reference } : { Tag: reference }];
      this.#registryError(ex, 404, 'MANIFEST_UNKNOWN', 'manifest unknown', detail);
      return;
    }
    if (!head && found.asset !== undefined) {
      // Pulling by tag marks the tagged asset downloaded; digest pulls do not (NEXUS-25991, §3).
      const now = Date.now();
      if (found.asset.lastDownloaded === null || now - found.asset.lastDownloaded > LAST_DOWNLOADED_INTERVAL_MS) {
        found.asset.lastDownloaded = now;
      }
    }
    this.#send(ex, 200, {
      ...REGISTRY_HEADERS,
      'Content-Type': found.manifest.mediaType,
      'Docker-Content-Digest': found.manifest.digest,
    }, found.manifest.bytes);
  }
}

/** §2.1: sent on every registry response, 401s included. */
const REGISTRY_HEADERS: Headers = { 'Docker-Distribution-Api-Version': 'registry/2.0' };

function remoteUrlOf(repo: RepositoryRecord): string {
  return repo.format === 'docker' ? 'https://registry-1.docker.io' : repo.format === 'npm' ? 'https://registry.npmjs.org' : 'https://repo1.maven.org/maven2/';
}
