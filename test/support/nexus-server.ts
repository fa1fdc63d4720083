/**
 * A faithful fake of Sonatype Nexus Repository 3 (Docker repositories): the read-only REST API
 * under /service/rest and the Docker Registry V2 API on the main port under /repository/<repo>/v2/.
 *
 * Every behaviour below is taken from docs/nexus-and-registry.md ("§" numbers refer to it) or
 * from the nexus-public sources it cites (release 3.77.0-08); where a second-hand report and the
 * sources disagree, the sources win and the comment says so. Everything lives in one server instance:
 * there is no module-level mutable state.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

import { BASIC_CHALLENGE, Security, type Principal } from './nexus/auth.js';
import { DatastoreIds, JavaException, OrientIds, repositoryItemId, type IdScheme } from './nexus/ids.js';
import { jacksonDate, jacksonPretty, RepeatedKey, type Json, type JsonObject } from './nexus/jackson.js';
import { DIGEST_REFERENCE, type ComponentRecord, type ListedComponent, type RepositoryRecord } from './nexus/model.js';
import { NexusContent } from './nexus/store.js';
import type { FakeManifest, FakeNexus, FakeNexusOptions, FakeRepositoryDefinition, FakeRequestRecord } from './nexus/types.js';

export { makeManifest } from './nexus/model.js';
export type { FakeManifest, FakeNexus, FakeNexusOptions, FakeNexusUser, FakeRepositoryDefinition, FakeRequestRecord } from './nexus/types.js';

export async function startNexusServer(options: FakeNexusOptions = {}): Promise<FakeNexus> {
  const nexus = new FakeNexusServer(options);
  await nexus.listen();
  return nexus;
}

// ---------------------------------------------------------------------------------------------
// Constants
// ---------------------------------------------------------------------------------------------

const SERVER_HEADER = 'Nexus/3.77.0-08 (COMMUNITY)';
/** §1.4: PAGE_SIZE_LIMIT = 100 on datastore builds; older OrientDB builds paged by 10. */
const PAGE_SIZE = { datastore: 100, orientdb: 10 } as const;
/** Nexus only refreshes an asset's lastDownloaded when the previous one is older than this (default 12 h). */
const LAST_DOWNLOADED_INTERVAL_MS = 12 * 60 * 60 * 1000;

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
