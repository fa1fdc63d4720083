/**
 * Reads Notary server's changefeed, the list of timestamp writes and GUN
 * deletions (notary server/server.go routes, server/handlers/changefeed.go,
 * server/storage/interface.go GetChanges):
 *   GET /v2/_trust/changefeed?change_id=<ID>&records=<N>        every GUN
 *   GET /v2/<gun>/_trust/changefeed?change_id=<ID>&records=<N>  one GUN
 * `change_id` is exclusive (the records after it, oldest first); -1 with a
 * negative `records` reads backwards from the newest. `records` must always be
 * sent: without it the server answers 400.
 *
 * The whole-server feed needs the `registry:catalog:*` scope, which Notary's
 * token server grants only to admins (utils/http.go buildCatalogRecord); a
 * login without it gets 401 or 403, thrown as a FetchError with code `AUTH`,
 * so that the caller can tell "not allowed" from "not reachable".
 */
import { FetchError } from '../lib/errors.js';
import { urlUnder } from '../lib/http/base-url.js';
import type { Credentials } from '../lib/http/basic-auth.js';
import { ChallengeAuthenticator } from '../lib/http/challenge-auth.js';
import { CountingHttpClient } from '../lib/http/counting-client.js';
import { errcodeMessage } from '../lib/http/errcode.js';
import type { HttpClient } from '../lib/http/http-client.js';
import { statusError } from '../lib/http/status-error.js';
import { isValidGun } from '../lib/reference.js';
import { parseChangePage, type ChangePage, type ChangeRecord } from './changefeed-schema.js';

/** Records asked for per page: the server's own default (notary const.go DefaultPageSize). */
export const CHANGEFEED_PAGE_RECORDS = 100;
/** A page of 100 records is about 25 KiB; anything near this is not a changefeed page. */
const PAGE_BYTES = 1024 * 1024;
/** Pages read by one `changesAfter`: 1,000 records; the rest waits for the next call. */
const DEFAULT_MAX_PAGES = 10;
/** The token scope of the whole-server feed, also the key its token is cached under. */
const CATALOG_SCOPE = 'registry:catalog:*';

export interface NotaryChangefeedOptions {
  readonly baseUrl: URL;
  readonly http: HttpClient;
  readonly credentials?: Credentials | undefined;
  /** Token realms on other hosts that may receive the credentials (`notary.tokenRealmHosts`). */
  readonly tokenRealmHosts?: readonly string[];
  /** Follow this GUN's feed (scope `repository:<gun>:pull`) instead of the whole server's. */
  readonly gun?: string | undefined;
  /** Pages one `changesAfter` reads at most. */
  readonly maxPages?: number;
}

export interface ChangeBatch {
  /** The records after the ID asked for, oldest first. */
  readonly records: readonly ChangeRecord[];
  /** Where to continue from: the last ID read (skipped records included), or the ID asked for when nothing was new. */
  readonly lastId: number;
  /** Records left out because their GUN is not a valid GUN (or, on a GUN's feed, another GUN). */
  readonly skipped: number;
  /** False when the page cap stopped the reading before the end of the feed. */
  readonly caughtUp: boolean;
}

export class NotaryChangefeed {
  readonly #baseUrl: URL;
  readonly #auth: ChallengeAuthenticator;
  readonly #counted: CountingHttpClient;
  readonly #gun: string | undefined;
  readonly #maxPages: number;

  constructor(options: NotaryChangefeedOptions) {
    if (options.gun !== undefined && !isValidGun(options.gun)) {
      throw new FetchError('MALFORMED', `${JSON.stringify(options.gun)} is not a valid GUN (registry host[:port]/repository)`);
    }
    const maxPages = options.maxPages ?? DEFAULT_MAX_PAGES;
    if (!Number.isSafeInteger(maxPages) || maxPages < 1) {
      throw new RangeError(`maxPages must be a positive integer, not ${maxPages}`);
    }
    this.#baseUrl = options.baseUrl;
    this.#gun = options.gun;
    this.#maxPages = maxPages;
    // Counting below the authenticator sees every request, token requests included.
    this.#counted = new CountingHttpClient(options.http);
    this.#auth = new ChallengeAuthenticator(this.#counted, options.credentials, { tokenRealmHosts: options.tokenRealmHosts ?? [] });
  }

  /** Requests sent so far, token requests and answered challenges included. */
  get requests(): number {
    return this.#counted.sent;
  }

  /** The newest record's ID, or undefined when the feed is empty (`change_id=-1&records=-1`). */
  async latestId(signal?: AbortSignal): Promise<number | undefined> {
    const page = await this.#page('-1', -1, signal);
    if (page.records.length + page.skipped > 1) {
      throw new FetchError('MALFORMED', `${this.#what}: asked for the newest record, the server sent ${page.records.length + page.skipped}`);
    }
    return page.lastId;
  }

  /**
   * The records after `id`, page by page (`records=100`) until a short page or
   * `maxPages`; `caughtUp` says which. IDs must rise strictly past `id`, so a
   * server that repeats itself cannot make the caller loop.
   */
  async changesAfter(id: number, signal?: AbortSignal): Promise<ChangeBatch> {
    if (!Number.isSafeInteger(id) || id < 0) {
      throw new RangeError(`a change ID is a non-negative integer, not ${id}`);
    }
    const records: ChangeRecord[] = [];
    let skipped = 0;
    let cursor = id;
    for (let pages = 0; pages < this.#maxPages; pages++) {
      const page = await this.#page(String(cursor), CHANGEFEED_PAGE_RECORDS, signal);
      if (page.lastId === undefined) {
        return { records, lastId: cursor, skipped, caughtUp: true };
      }
      const first = page.records[0]?.id ?? page.lastId;
      if (first <= cursor) {
        throw new FetchError('MALFORMED', `${this.#what}: asked for the records after ID ${cursor}, the server sent ID ${first}`);
      }
      records.push(...page.records);
      skipped += page.skipped;
      cursor = page.lastId;
      if (page.records.length + page.skipped < CHANGEFEED_PAGE_RECORDS) {
        return { records, lastId: cursor, skipped, caughtUp: true };
      }
    }
    return { records, lastId: cursor, skipped, caughtUp: false };
  }

  get #what(): string {
    return this.#gun === undefined ? 'the changefeed' : `the changefeed of ${this.#gun}`;
  }

  async #page(changeId: string, records: number, signal: AbortSignal | undefined): Promise<ChangePage> {
    const url = urlUnder(this.#baseUrl, this.#gun === undefined ? 'v2/_trust/changefeed' : `v2/${this.#gun}/_trust/changefeed`);
    url.searchParams.set('change_id', changeId);
    url.searchParams.set('records', String(records));
    const what = this.#what;
    const response = await this.#auth.send(url, { maxBytes: PAGE_BYTES, what, signal }, this.#gun ?? CATALOG_SCOPE);
    if (response.status !== 200) {
      const detail = errcodeMessage(response.body);
      throw statusError(what, url, response.status, {
        authReason: this.#gun === undefined ? `the whole-server feed needs the ${CATALOG_SCOPE} scope, which Notary grants only to admins` : undefined,
        suffix: detail === undefined ? '' : `: ${detail}`,
      });
    }
    const page = parseChangePage(response.body);
    if (!page.ok) {
      throw new FetchError('MALFORMED', `${what}: ${page.error}`);
    }
    if (this.#gun === undefined) {
      return page.value;
    }
    // A GUN's feed filters on exact equality (memory.go getFilteredChanges); anything else is not ours to report.
    const own = page.value.records.filter((record) => record.gun === this.#gun);
    return { ...page.value, records: own, skipped: page.value.skipped + page.value.records.length - own.length };
  }
}
