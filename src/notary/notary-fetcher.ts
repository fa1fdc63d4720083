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
import type { ByteBudget } from '../lib/byte-budget.js';
import { mapLimit } from '../lib/concurrency.js';
import { FetchError } from '../lib/errors.js';
import type { Credentials } from '../lib/http/basic-auth.js';
import { ChallengeAuthenticator } from '../lib/http/challenge-auth.js';
import { CountingHttpClient } from '../lib/http/counting-client.js';
import { errcodeMessage } from '../lib/http/errcode.js';
import type { HttpClient, HttpResponse } from '../lib/http/http-client.js';
import { statusError } from '../lib/http/status-error.js';
import { urlUnder } from '../lib/http/base-url.js';
import { isValidGun } from '../lib/reference.js';
import { locateRoles, locateSnapshot, type FileLocation } from './core/locate.js';
import { isDelegationName } from './core/model.js';
import type { TrustCollectionBytes } from './core/verify-collection.js';
import { Allowance, DEFAULT_METADATA_LIMITS, shareable, type MetadataLimits } from './fetch-limits.js';

/** Bytes of a role verified before, by role and sha256 (hex), if still held. */
export type CachedFiles = (role: string, sha256: string) => Uint8Array | undefined;

/** What one verification of the bytes so far must tell the fetcher. */
export interface VerificationRound {
  /** Delegations verified parents name that the bytes lacked (core `VerifiedCollection.unserved`). */
  readonly unserved: readonly string[];
}

export interface CollectOptions {
  readonly signal?: AbortSignal | undefined;
  readonly cached?: CachedFiles | undefined;
  /** Bytes the whole scan may hold in flight; shared by every collection being fetched. */
  readonly budget?: ByteBudget | undefined;
}

export interface CollectedCollection<T> {
  readonly bytes: TrustCollectionBytes;
  /** The last verification, over `bytes`. */
  readonly outcome: T;
  /** Bytes the collection holds against the scan's budget (every file, the timestamp included). */
  readonly heldBytes: number;
  /** Gives the collection's bytes back to the scan's budget. */
  release(): void;
}

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

export class NotaryFetcher {
  readonly #baseUrl: URL;
  readonly #auth: ChallengeAuthenticator;
  readonly #limits: MetadataLimits;
  readonly #concurrency: number;
  readonly #counted: CountingHttpClient;

  constructor(options: NotaryFetcherOptions) {
    this.#baseUrl = options.baseUrl;
    // Counting below the authenticator sees every request: challenged
    // attempts, their retries and token requests alike.
    this.#counted = new CountingHttpClient(options.http);
    this.#auth = new ChallengeAuthenticator(this.#counted, options.credentials, { tokenRealmHosts: options.tokenRealmHosts ?? [] });
    this.#limits = options.limits ?? DEFAULT_METADATA_LIMITS;
    this.#concurrency = options.concurrency ?? 8;
  }

  get baseUrl(): URL {
    return this.#baseUrl;
  }

  /** Requests sent so far, token requests and answered challenges included (bench and metrics). */
  get requests(): number {
    return this.#counted.sent;
  }

  /** Only the current timestamp: enough to tell whether anything changed since the last scan. */
  async fetchTimestamp(gun: string, signal?: AbortSignal): Promise<Uint8Array | undefined> {
    const response = await this.#get(gun, 'timestamp.json', this.#limits.timestamp, signal, true);
    return response?.body;
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
   * One collection, fetched parents first and verified as it grows (notary
   * client/tufclient.go downloadTargets): timestamp → snapshot → root and
   * targets, then only the delegations that verified parents name, level by
   * level. `verify` runs the core over the bytes so far and says which
   * delegations it still lacks (`unserved`); they are fetched and it runs again.
   * `cached(role, sha256)` may supply bytes verified before under the same hash:
   * those files are not fetched again.
   *
   * Every byte held counts against the collection's limit and the scan's
   * `budget`: over either, the GUN fails with TOO_LARGE and nothing is kept.
   * On success the caller holds the bytes and calls `release` once done.
   */
  async collect<T extends VerificationRound>(
    gun: string,
    timestamp: Uint8Array,
    verify: (bytes: TrustCollectionBytes) => Promise<T>,
    options: CollectOptions = {}
  ): Promise<CollectedCollection<T>> {
    const allowance = new Allowance(gun, this.#limits.collection, options.budget);
    try {
      allowance.take(timestamp.length, 'timestamp.json');
      const fetch = async (role: string, location: FileLocation | undefined, optional: boolean): Promise<Uint8Array | undefined> => {
        const known = location === undefined ? undefined : options.cached?.(role, location.sha256);
        if (known !== undefined) {
          allowance.take(known.length, `${role}.json`);
          return shareable(known);
        }
        if (location !== undefined) {
          allowance.take(location.length, `${role}.json`);
        }
        const bytes = await this.#fetchByName(gun, role, location, options.signal, optional);
        if (location === undefined && bytes !== undefined) {
          allowance.take(bytes.length, `${role}.json`);
        }
        return bytes === undefined ? undefined : shareable(bytes);
      };
      const base = await this.#fetchBase(shareable(timestamp), fetch);
      const delegations = new Map<string, Uint8Array>();
      const tried = new Set<string>();
      for (;;) {
        const bytes: TrustCollectionBytes = { ...base.bytes, delegations };
        const outcome = await verify(bytes);
        const next = outcome.unserved.filter((role) => !tried.has(role) && base.locations.has(role));
        if (next.length === 0) {
          return { bytes, outcome, heldBytes: allowance.taken, release: () => allowance.release() };
        }
        if (tried.size + next.length > this.#limits.delegations) {
          throw new FetchError('TOO_LARGE', `trust data of ${gun}: more than ${this.#limits.delegations} delegations to fetch`);
        }
        const fetched = await mapLimit(next, this.#concurrency, async (role) => [role, await fetch(role, base.locations.get(role), true)] as const);
        for (const [role, roleBytes] of fetched) {
          tried.add(role);
          if (roleBytes !== undefined) {
            delegations.set(role, roleBytes);
          }
        }
      }
    } catch (error) {
      allowance.release();
      throw error;
    }
  }

  /** The timestamp, then `collect`; `absent` when the server has no trust data for the GUN. */
  async collectCollection<T extends VerificationRound>(
    gun: string,
    verify: (bytes: TrustCollectionBytes) => Promise<T>,
    options: CollectOptions = {}
  ): Promise<{ readonly kind: 'absent' } | ({ readonly kind: 'fetched' } & CollectedCollection<T>)> {
    const timestamp = await this.fetchTimestamp(gun, options.signal);
    if (timestamp === undefined) {
      return { kind: 'absent' };
    }
    return { kind: 'fetched', ...(await this.collect(gun, timestamp, verify, options)) };
  }

  /** snapshot (by the timestamp's hash), root and targets; and where each listed delegation is. */
  async #fetchBase(
    timestamp: Uint8Array,
    fetch: (role: string, location: FileLocation | undefined, optional: boolean) => Promise<Uint8Array | undefined>
  ): Promise<{ bytes: Omit<TrustCollectionBytes, 'delegations'>; locations: ReadonlyMap<string, FileLocation> }> {
    const empty: Uint8Array = new Uint8Array(0);
    const required = async (role: string, location: FileLocation | undefined): Promise<Uint8Array> => (await fetch(role, location, false)) ?? empty;
    const snapshotLocation = locateSnapshot(timestamp);
    if (snapshotLocation === undefined) {
      // Malformed timestamp: fetch root so that verification can say precisely what is wrong.
      return { bytes: { root: await required('root', undefined), timestamp, snapshot: empty, targets: empty }, locations: new Map() };
    }
    const snapshot = await required('snapshot', snapshotLocation);
    const roles = locateRoles(snapshot);
    if (roles === undefined) {
      return { bytes: { root: await required('root', undefined), timestamp, snapshot, targets: empty }, locations: new Map() };
    }
    // Names come from a snapshot not yet verified: only the delegation grammar
    // may become a URL path (a hostile `targets/../../admin?x` must not), and
    // only names a verified parent declares are ever fetched (see `collect`).
    const locations = new Map([...roles].filter(([role]) => isDelegationName(role)));
    const [root, targets] = await Promise.all([required('root', roles.get('root')), required('targets', roles.get('targets'))]);
    return { bytes: { root, timestamp, snapshot, targets }, locations };
  }

  /**
   * Fetches `<role>.<sha256>.json`, falling back to `<role>.json` where the
   * server does not offer consistent names. A 404 is an error unless `optional`
   * (a delegation listed in snapshot but not served is reported by verification).
   */
  #fetchByName(gun: string, role: string, location: FileLocation | undefined, signal: AbortSignal | undefined): Promise<Uint8Array>;
  #fetchByName(gun: string, role: string, location: FileLocation | undefined, signal: AbortSignal | undefined, optional: boolean): Promise<Uint8Array | undefined>;
  async #fetchByName(gun: string, role: string, location: FileLocation | undefined, signal: AbortSignal | undefined, optional = false): Promise<Uint8Array | undefined> {
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
  async #get(gun: string, file: string, maxBytes: number, signal: AbortSignal | undefined, allowNotFound: boolean, lengthKnown = false): Promise<HttpResponse | undefined> {
    if (!isValidGun(gun)) {
      throw new FetchError('MALFORMED', `${JSON.stringify(gun)} is not a valid GUN (registry host[:port]/repository)`);
    }
    // Every segment encoded, and no dot segment: a file name that passed its
    // grammar encodes to itself, and nothing can step out of the base path.
    const segments = file.split('/');
    if (segments.some((segment) => segment === '' || segment === '.' || segment === '..')) {
      throw new FetchError('MALFORMED', `${JSON.stringify(file)} of ${gun} is not a metadata file name`);
    }
    const url = urlUnder(this.#baseUrl, `v2/${gun}/_trust/tuf/${segments.map(encodeURIComponent).join('/')}`);
    const what = `${file} of ${gun}`;
    const response = await this.#auth.send(url, { maxBytes, what, signal, onOverflow: lengthKnown ? 'truncate' : 'fail' }, gun);
    if (response.status === 200) {
      return response;
    }
    if (response.status === 404 && allowNotFound) {
      return undefined;
    }
    // notary roles.go: a failed timestamp re-sign (signer down, expired root certificate) is a 500.
    const detail = errcodeMessage(response.body);
    throw statusError(what, url, response.status, { suffix: detail === undefined ? '' : `: ${detail}` });
  }
}
