/**
 * Fetches one GUN's trust collection from a Notary server
 * (notary server/server.go routes; storage/httpstore.go). Only reads:
 *   timestamp.json → snapshot.<sha256>.json → root, targets and every
 *   delegation the snapshot lists, each by its immutable consistent name.
 * Consistent names avoid mixing files from two publishes (Connaisseur fetches
 * plain names concurrently and can), and the server offers them whether or
 * not `consistent_snapshot` is set. Never calls `…/{timestamp,snapshot}.key`,
 * which can create keys on the server.
 */
import { ChallengeAuthenticator } from '../lib/challenge-auth.js';
import { mapLimit } from '../lib/concurrency.js';
import { FetchError } from '../lib/errors.js';
import { describeUrl, type HttpClient, type HttpResponse } from '../lib/http-client.js';
import type { Credentials } from '../lib/challenge-auth.js';
import { locateRoles, locateSnapshot, type FileLocation } from './core/locate.js';
import { isDelegationName } from './core/model.js';
import type { TrustCollectionBytes } from './core/verify-collection.js';

/** Byte caps per role, enforced while streaming (notary const.go caps every file at 100 MiB). */
export interface MetadataLimits {
  readonly timestamp: number;
  readonly snapshot: number;
  readonly root: number;
  /** Also the cap for each delegation. */
  readonly targets: number;
  /** Delegation files fetched per GUN at most. */
  readonly delegations: number;
}

export const DEFAULT_METADATA_LIMITS: MetadataLimits = {
  timestamp: 1024 * 1024, // notary MaxTimestampSize
  snapshot: 16 * 1024 * 1024,
  root: 1024 * 1024,
  targets: 64 * 1024 * 1024,
  delegations: 256,
};

/** Bytes of a role verified before, by role and sha256 (hex), if still held. */
export type CachedFiles = (role: string, sha256: string) => Uint8Array | undefined;

export type FetchedCollection =
  /** 404 on timestamp.json: the server has no trust data for this GUN. */
  | { readonly kind: 'absent' }
  | { readonly kind: 'fetched'; readonly bytes: TrustCollectionBytes; readonly timestamp: Uint8Array };

export interface NotaryFetcherOptions {
  readonly baseUrl: URL;
  readonly http: HttpClient;
  readonly credentials?: Credentials | undefined;
  /** Token realms on other hosts that may receive the credentials (`notary.tokenRealmHosts`). */
  readonly tokenRealmHosts?: readonly string[];
  readonly limits?: MetadataLimits;
  /** Files of one collection fetched at once. */
  readonly concurrency?: number;
}

/** GUNs are registry names (docker reference grammar), with host[:port]; nothing else goes into a URL. */
const GUN = /^[A-Za-z0-9](?:[A-Za-z0-9._:-]*[A-Za-z0-9])?(?:\/[a-z0-9]+(?:[._-]+[a-z0-9]+)*)+$/;

export function isValidGun(gun: string): boolean {
  return gun.length <= 255 && GUN.test(gun) && !gun.split('/').includes('..');
}

export class NotaryFetcher {
  readonly #baseUrl: URL;
  readonly #auth: ChallengeAuthenticator;
  readonly #limits: MetadataLimits;
  readonly #concurrency: number;
  /** Requests sent, token requests included (bench and metrics). */
  requests = 0;

  constructor(options: NotaryFetcherOptions) {
    this.#baseUrl = options.baseUrl;
    this.#auth = new ChallengeAuthenticator(options.http, options.credentials, { tokenRealmHosts: options.tokenRealmHosts ?? [] });
    this.#limits = options.limits ?? DEFAULT_METADATA_LIMITS;
    this.#concurrency = options.concurrency ?? 8;
  }

  get baseUrl(): URL {
    return this.#baseUrl;
  }

  /** Only the current timestamp: enough to tell whether anything changed since the last scan. */
  async fetchTimestamp(gun: string, signal?: AbortSignal): Promise<Uint8Array | undefined> {
    const response = await this.#get(gun, 'timestamp.json', this.#limits.timestamp, signal, true);
    return response?.body;
  }

  /** The whole collection. Throws FetchError when it cannot be fetched. */
  async fetchCollection(gun: string, signal?: AbortSignal): Promise<FetchedCollection> {
    const timestamp = await this.fetchTimestamp(gun, signal);
    if (timestamp === undefined) {
      return { kind: 'absent' };
    }
    return this.fetchRest(gun, timestamp, signal);
  }

  /**
   * Root versions `from`..`to` (`<N>.root.json`, notary server.go version route),
   * for walking a rotation from the pinned root (notary tufclient.go updateRootVersions).
   */
  async fetchRootVersions(gun: string, from: number, to: number, signal?: AbortSignal): Promise<Uint8Array[]> {
    const roots: Uint8Array[] = [];
    for (let version = from; version <= to; version++) {
      const response = await this.#get(gun, `${version}.root.json`, this.#limits.root, signal, true);
      if (response === undefined) {
        throw new FetchError('HTTP_4XX', `${version}.root.json of ${gun}: the server does not have root version ${version} (HTTP 404)`, { status: 404 });
      }
      roots.push(response.body);
    }
    return roots;
  }

  /**
   * Everything the given timestamp leads to. `cached(role, sha256)` may supply
   * bytes verified before under the same hash: those files are not fetched again.
   */
  async fetchRest(gun: string, timestamp: Uint8Array, signal?: AbortSignal, cached?: CachedFiles): Promise<FetchedCollection> {
    const empty: Uint8Array = new Uint8Array(0);
    const snapshotLocation = locateSnapshot(timestamp);
    if (snapshotLocation === undefined) {
      // Malformed timestamp: fetch root so that verification can say precisely what is wrong.
      const root = await this.#fetchByName(gun, 'root', undefined, signal);
      return { kind: 'fetched', timestamp, bytes: { root, timestamp, snapshot: empty, targets: empty, delegations: new Map() } };
    }
    const snapshot = cached?.('snapshot', snapshotLocation.sha256) ?? (await this.#fetchByName(gun, 'snapshot', snapshotLocation, signal));
    const roles = locateRoles(snapshot);
    if (roles === undefined) {
      const root = await this.#fetchByName(gun, 'root', undefined, signal);
      return { kind: 'fetched', timestamp, bytes: { root, timestamp, snapshot, targets: empty, delegations: new Map() } };
    }
    // Names come from a snapshot not yet verified: only the delegation grammar
    // may become a URL path (a hostile `targets/../../admin?x` must not). A
    // listed name outside it is never fetched, and no verified parent can
    // delegate to it (parseTargets refuses such names).
    const delegationNames = [...roles.keys()].filter(isDelegationName);
    if (delegationNames.length > this.#limits.delegations) {
      throw new FetchError(
        'TOO_LARGE',
        `trust data of ${gun}: snapshot lists ${delegationNames.length} delegations, more than the limit of ${this.#limits.delegations}`
      );
    }
    const wanted = ['root', 'targets', ...delegationNames];
    const files = await mapLimit(wanted, this.#concurrency, async (role) => {
      const location = roles.get(role);
      const known = location === undefined ? undefined : cached?.(role, location.sha256);
      if (known !== undefined) {
        return [role, known] as const;
      }
      const optional = role.startsWith('targets/');
      const bytes = await this.#fetchByName(gun, role, location, signal, optional);
      return [role, bytes] as const;
    });
    const delegations = new Map<string, Uint8Array>();
    let root: Uint8Array = empty;
    let targets: Uint8Array = empty;
    for (const [role, bytes] of files) {
      if (role === 'root') {
        root = bytes ?? empty;
      } else if (role === 'targets') {
        targets = bytes ?? empty;
      } else if (bytes !== undefined) {
        delegations.set(role, bytes);
      }
    }
    return { kind: 'fetched', timestamp, bytes: { root, timestamp, snapshot, targets, delegations } };
  }

  /**
   * Fetches `<role>.<sha256>.json`, falling back to `<role>.json` where the
   * server does not offer consistent names. A 404 is an error unless `optional`
   * (a delegation listed in snapshot but not served is reported by verification).
   */
  #fetchByName(gun: string, role: string, location: FileLocation | undefined, signal: AbortSignal | undefined): Promise<Uint8Array>;
  #fetchByName(gun: string, role: string, location: FileLocation | undefined, signal: AbortSignal | undefined, optional: boolean): Promise<Uint8Array | undefined>;
  async #fetchByName(
    gun: string,
    role: string,
    location: FileLocation | undefined,
    signal: AbortSignal | undefined,
    optional = false
  ): Promise<Uint8Array | undefined> {
    const cap = role === 'snapshot' ? this.#limits.snapshot : role === 'root' ? this.#limits.root : this.#limits.targets;
    if (location !== undefined && location.length > cap) {
      throw new FetchError('TOO_LARGE', `${role}.json of ${gun}: listed as ${location.length} bytes, over the ${cap}-byte limit`);
    }
    // With a known length, anything longer cannot match its hash (notary httpstore.go GetSized).
    const limit = location?.length ?? cap;
    if (location !== undefined) {
      const byHash = await this.#get(gun, `${role}.${location.sha256}.json`, limit, signal, true, true);
      if (byHash !== undefined) {
        return byHash.body;
      }
    }
    const byName = await this.#get(gun, `${role}.json`, limit, signal, true, location !== undefined);
    if (byName === undefined && !optional) {
      throw new FetchError('HTTP_4XX', `${role}.json of ${gun}: the server has a timestamp but no ${role} (HTTP 404)`, {
        status: 404,
      });
    }
    return byName?.body;
  }

  /** GET one metadata file; undefined on 404 when `allowNotFound`. */
  async #get(
    gun: string,
    file: string,
    maxBytes: number,
    signal: AbortSignal | undefined,
    allowNotFound: boolean,
    lengthKnown = false
  ): Promise<HttpResponse | undefined> {
    if (!isValidGun(gun)) {
      throw new FetchError('MALFORMED', `${JSON.stringify(gun)} is not a valid GUN (registry host[:port]/repository)`);
    }
    const base = this.#baseUrl.href.endsWith('/') ? this.#baseUrl.href : this.#baseUrl.href + '/';
    // Every segment encoded, and no dot segment: a file name that passed its
    // grammar encodes to itself, and nothing can step out of the base path.
    const segments = file.split('/');
    if (segments.some((segment) => segment === '' || segment === '.' || segment === '..')) {
      throw new FetchError('MALFORMED', `${JSON.stringify(file)} of ${gun} is not a metadata file name`);
    }
    const url = new URL(`v2/${gun}/_trust/tuf/${segments.map(encodeURIComponent).join('/')}`, base);
    const what = `${file} of ${gun}`;
    this.requests++;
    const before = this.#auth.tokenRequests;
    let response: HttpResponse;
    try {
      response = await this.#auth.send(url, { maxBytes, what, signal, onOverflow: lengthKnown ? 'truncate' : 'fail' }, gun);
    } finally {
      this.requests += this.#auth.tokenRequests - before;
    }
    if (response.status === 200) {
      return response;
    }
    if (response.status === 404 && allowNotFound) {
      return undefined;
    }
    throw statusError(what, url, response);
  }
}

function statusError(what: string, url: URL, response: HttpResponse): FetchError {
  const status = response.status;
  const detail = serverMessage(response.body);
  const suffix = detail === undefined ? '' : `: ${detail}`;
  if (status === 401 || status === 403) {
    return new FetchError('AUTH', `${what}: not authorised by ${describeUrl(url)} (HTTP ${status})${suffix}`, { status });
  }
  if (status >= 500) {
    // notary roles.go: a failed timestamp re-sign (signer down, expired root certificate) is a 500.
    return new FetchError('HTTP_5XX', `${what}: ${describeUrl(url)} answered HTTP ${status}${suffix}`, { status });
  }
  return new FetchError('HTTP_4XX', `${what}: ${describeUrl(url)} answered HTTP ${status}${suffix}`, { status });
}

/** The first message of a docker/distribution errcode body, shortened, if any. */
function serverMessage(body: Buffer): string | undefined {
  try {
    const parsed = JSON.parse(body.toString('utf8')) as { errors?: { message?: unknown }[] };
    const message = parsed.errors?.[0]?.message;
    return typeof message === 'string' ? message.slice(0, 200) : undefined;
  } catch {
    return undefined;
  }
}
