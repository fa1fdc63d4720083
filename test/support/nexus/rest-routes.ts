/**
 * The read-only REST API of the fake Nexus under /service/rest (docs/nexus-and-registry.md §1,
 * "§" numbers below refer to it): repositories, their settings, and components paged by
 * continuation token. Every JSON body is Jackson-pretty-printed and every error is shaped by the
 * exception mapper Nexus would use.
 */
import { randomUUID } from 'node:crypto';

import { BASIC_CHALLENGE, type Security } from './auth.js';
import { send, type Exchange } from './exchange.js';
import { JavaException, repositoryItemId, type IdScheme } from './ids.js';
import { jacksonDate, jacksonPretty, RepeatedKey, type Json, type JsonObject } from './jackson.js';
import type { ComponentRecord, ListedComponent, RepositoryRecord } from './model.js';
import type { NexusContent } from './store.js';
import type { FakeNexusOptions } from './types.js';

/** §1.4: PAGE_SIZE_LIMIT = 100 on datastore builds; older OrientDB builds paged by 10. */
const PAGE_SIZE = { datastore: 100, orientdb: 10 } as const;

/** What the REST routes read of the instance they serve. */
export interface RestRoutesContext {
  readonly options: FakeNexusOptions;
  readonly flavour: 'datastore' | 'orientdb';
  readonly ids: IdScheme;
  readonly content: NexusContent;
  readonly security: Security;
}

export class RestRoutes {
  readonly #options: FakeNexusOptions;
  readonly #flavour: 'datastore' | 'orientdb';
  readonly #ids: IdScheme;
  readonly #content: NexusContent;
  readonly #security: Security;

  constructor({ options, flavour, ids, content, security }: RestRoutesContext) {
    this.#options = options;
    this.#flavour = flavour;
    this.#ids = ids;
    this.#content = content;
    this.#security = security;
  }

  /** Answers a request under /service/rest; `path` is what follows it, e.g. /v1/components. */
  handle(ex: Exchange, path: string): void {
    if (path === '/v1/status' || path === '/v1/status/writable') {
      // §1.1: health checks need no authentication.
      send(ex, 200, {}, '');
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
      send(ex, 401, { 'WWW-Authenticate': BASIC_CHALLENGE }, '');
      return false;
    }
    return true;
  }

  #restJson(ex: Exchange, status: number, value: Json): void {
    send(ex, status, { 'Content-Type': 'application/json' }, jacksonPretty(value));
  }

  /**
   * A WebApplicationException without entity (422, 404, 403 of §1.8): since CVE-2020-25633 the
   * WebappExceptionMapper sends the status alone, so the messages of §1.8 never reach the client;
   * ExceptionMapperSupport adds the X-Siesta-FaultId header.
   */
  #restStatusOnly(ex: Exchange, status: number): void {
    send(ex, status, { 'X-Siesta-FaultId': randomUUID() }, '');
  }

  /** @RequiresAuthentication for the anonymous subject: AuthorizationExceptionMapper answers 401 with the challenge. */
  #restRequireAuthentication(ex: Exchange): boolean {
    if (ex.principal.kind === 'user') {
      return true;
    }
    send(ex, 401, { 'WWW-Authenticate': BASIC_CHALLENGE, 'X-Siesta-FaultId': randomUUID() }, '');
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
    this.#restJson(
      ex,
      200,
      visible.map((repo) => this.#repositoryXO(ex, repo))
    );
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
    this.#restJson(
      ex,
      200,
      administrable.map((repo) => this.#repositorySettings(ex, repo))
    );
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
    const formatBlock: JsonObject =
      repo.format === 'docker'
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
          ...(repo.format === 'docker' ? { dockerProxy: { indexType: 'HUB', indexUrl: 'https://index.docker.io/', cacheForeignLayers: false, foreignLayerUrlWhitelist: [] } } : {}),
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
      sendRestUnexpected(ex, after);
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
      checksum: orient ? { sha1: manifest.sha1, ...(withSha256 ? { sha256 } : {}) } : { ...(withSha256 ? { sha256 } : {}), sha1: manifest.sha1 },
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
}

/** UnexpectedExceptionMapper: 500, text/plain "ERROR: (ID <fault id>) <exception>". */
export function sendRestUnexpected(ex: Exchange, exception: JavaException): void {
  const faultId = randomUUID();
  send(ex, 500, { 'Content-Type': 'text/plain', 'X-Siesta-FaultId': faultId }, `ERROR: (ID ${faultId}) ${exception.text}`);
}

function remoteUrlOf(repo: RepositoryRecord): string {
  return repo.format === 'docker' ? 'https://registry-1.docker.io' : repo.format === 'npm' ? 'https://registry.npmjs.org' : 'https://repo1.maven.org/maven2/';
}
