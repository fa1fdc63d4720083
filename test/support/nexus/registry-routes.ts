/**
 * The Docker Registry HTTP API V2 of the fake Nexus on the main port, /repository/<repo>/v2/...
 * (docs/nexus-and-registry.md §2, "§" numbers below refer to it): the Basic or Bearer challenge and
 * the token endpoint, the catalog and tags/list with Nexus's pagination and Link quirks, and
 * manifests by tag or digest.
 */
import { BASIC_CHALLENGE, type Security } from './auth.js';
import { send, sendHtmlNotFound, type Exchange, type Headers } from './exchange.js';
import { DIGEST_REFERENCE, referrerDescriptor, type RepositoryRecord } from './model.js';
import type { NexusContent } from './store.js';
import type { FakeNexusOptions } from './types.js';

/** §2.1: sent on every registry response, 401s included. */
const REGISTRY_HEADERS: Headers = { 'Docker-Distribution-Api-Version': 'registry/2.0' };
const MEDIA_TYPE_OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
/** Nexus only refreshes an asset's lastDownloaded when the previous one is older than this (default 12 h). */
const LAST_DOWNLOADED_INTERVAL_MS = 12 * 60 * 60 * 1000;

/** What the registry routes read of the instance they serve. */
export interface RegistryRoutesContext {
  readonly options: FakeNexusOptions;
  readonly content: NexusContent;
  readonly security: Security;
}

export class RegistryRoutes {
  readonly #options: FakeNexusOptions;
  readonly #content: NexusContent;
  readonly #security: Security;

  constructor({ options, content, security }: RegistryRoutesContext) {
    this.#options = options;
    this.#content = content;
    this.#security = security;
  }

  /** Answers a request under /repository/<name>; `rest` is what follows it, e.g. /v2/app/tags/list. */
  handle(ex: Exchange, name: string, rest: string): void {
    const repo = this.#content.repositories.get(name);
    if (repo === undefined || repo.format !== 'docker') {
      sendHtmlNotFound(ex);
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
      send(ex, 400, { 'Content-Type': 'text/plain' }, 'Bad Request');
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
    const referrers = /^\/(.+)\/referrers\/([^/]+)$/.exec(path);
    if (path === '' || path === '/') {
      send(ex, 200, { ...REGISTRY_HEADERS, 'Content-Type': 'application/json' }, '{}');
    } else if (path === '/_catalog') {
      this.#catalog(ex, repo);
    } else if (tags?.[1] !== undefined) {
      this.#tagsList(ex, repo, decodeURIComponent(tags[1]));
    } else if (manifest?.[1] !== undefined && manifest[2] !== undefined) {
      this.#manifest(ex, repo, decodeURIComponent(manifest[1]), decodeURIComponent(manifest[2]));
    } else if (referrers?.[1] !== undefined && referrers[2] !== undefined && this.#options.referrers === 'supported') {
      // With referrers 'absent' (the default) this path falls through to the unknown-path 404 below.
      this.#referrers(ex, repo, decodeURIComponent(referrers[1]), decodeURIComponent(referrers[2]));
    } else if (blob?.[1] !== undefined && blob[2] !== undefined) {
      const bytes = this.#content.findBlob(repo, decodeURIComponent(blob[2]));
      if (bytes === undefined) {
        // Only the blobs a test pushed with putBlob are modelled.
        this.#registryError(ex, 404, 'BLOB_UNKNOWN', 'blob unknown to registry', [{ Name: decodeURIComponent(blob[1]) }, { Digest: decodeURIComponent(blob[2]) }]);
      } else {
        send(ex, 200, { ...REGISTRY_HEADERS, 'Content-Type': 'application/octet-stream', 'Docker-Content-Digest': decodeURIComponent(blob[2]) }, bytes);
      }
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
    const principal = header === undefined ? (this.#security.anonymousAllowed ? ({ kind: 'anonymous', viaToken: true } as const) : undefined) : this.#security.checkBasic(header);
    if (principal === undefined) {
      this.#registryError(ex, 401, 'UNAUTHORIZED', 'access to the requested resource is not authorized', null, { 'WWW-Authenticate': BASIC_CHALLENGE });
      return;
    }
    send(ex, 200, { ...REGISTRY_HEADERS, 'Content-Type': 'application/json' }, JSON.stringify({ token: this.#security.issueToken(principal) }));
  }

  #registryError(ex: Exchange, status: number, code: string, message: string, detail: unknown, headers: Headers = {}): void {
    send(ex, status, { ...REGISTRY_HEADERS, 'Content-Type': 'application/json', ...headers }, JSON.stringify({ errors: [{ code, message, detail }] }));
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
    const body: (string | null)[] = this.#options.quirks?.nullTag === true && ex.url.searchParams.get('last') === null ? [null, ...paged.page] : paged.page;
    send(ex, 200, headers, JSON.stringify({ name: image, tags: body }));
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
    send(ex, 200, headers, JSON.stringify({ repositories: paged.page }));
  }

  /**
   * GET|HEAD /v2/<name>/referrers/<digest> (OCI distribution-spec 1.1, "Listing Referrers"): an OCI
   * index of the descriptors of every manifest whose subject is <digest>, empty rather than 404 when
   * there are none; `?artifactType=` filters it and says so in OCI-Filters-Applied. Whether Nexus
   * serves this at all is unknown (§3), hence the `referrers` option. The 400 and NAME_UNKNOWN
   * bodies are distribution's, as nothing shows Nexus's.
   */
  #referrers(ex: Exchange, repo: RepositoryRecord, image: string, digest: string): void {
    if (!DIGEST_REFERENCE.test(digest)) {
      this.#registryError(ex, 400, 'DIGEST_INVALID', 'provided digest did not match uploaded content', { digest });
      return;
    }
    if (!this.#content.hasImage(repo, image)) {
      this.#registryError(ex, 404, 'NAME_UNKNOWN', 'repository name not known to registry', { name: image });
      return;
    }
    const artifactType = ex.url.searchParams.get('artifactType');
    const all = this.#content.referrersOf(repo, image, digest).map(referrerDescriptor);
    const manifests = artifactType === null ? all : all.filter((descriptor) => descriptor.artifactType === artifactType);
    const headers: Record<string, string> = { ...REGISTRY_HEADERS, 'Content-Type': MEDIA_TYPE_OCI_INDEX };
    if (artifactType !== null) {
      headers['OCI-Filters-Applied'] = 'artifactType';
    }
    send(ex, 200, headers, JSON.stringify({ schemaVersion: 2, mediaType: MEDIA_TYPE_OCI_INDEX, manifests }));
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
    send(
      ex,
      200,
      {
        ...REGISTRY_HEADERS,
        'Content-Type': found.manifest.mediaType,
        'Docker-Content-Digest': found.manifest.digest,
      },
      found.manifest.bytes
    );
  }
}
