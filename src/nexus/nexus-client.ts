/**
 * Reads Nexus Repository 3 through its REST API (docs/nexus-and-registry.md §1):
 * Docker repositories, and every tag with its manifest digest and size from
 * `/v1/components`, which pages 100 components per request (never assumed:
 * we follow `continuationToken` until it is null, detect a repeated token and
 * cap the pages). Credentials are sent preemptively as Basic: Community
 * Edition counts every request against a daily budget, 401s included (§1.9).
 */
import { systemClock, type Clock } from '../lib/clock.js';
import { FetchError } from '../lib/errors.js';
import { asBaseUrl, urlUnder } from '../lib/http/base-url.js';
import { basicAuthorization, type Credentials } from '../lib/http/basic-auth.js';
import { CountingHttpClient } from '../lib/http/counting-client.js';
import { describeUrl, headerValue, type HttpClient, type HttpResponse } from '../lib/http/http-client.js';
import { statusErrorCode } from '../lib/http/status-error.js';
import { DEFAULT_RETRY, realSleep, RetryableStatusError, retryAfterMs, withRetry, type RetryPolicy, type Sleep } from '../lib/retry.js';
import { parseComponentPage, parseDockerConnector, parseRepositories, type ComponentPage, type DockerConnector, type NexusRepository } from './schema.js';

export interface NexusClientOptions {
  readonly baseUrl: URL;
  readonly http: HttpClient;
  readonly credentials?: Credentials | undefined;
  /** Pages of components per repository at most (100 components each on current Nexus). */
  readonly maxPages?: number;
  readonly retry?: RetryPolicy;
  readonly sleep?: Sleep;
  /** Jitter of the retry back-off, in [0, 1); Math.random unless a test fixes it. */
  readonly random?: () => number;
  /** Reads the time a Retry-After date is measured from. */
  readonly clock?: Clock;
  readonly onRetry?: (what: string, error: FetchError, delayMs: number) => void;
}

const PAGE_BYTES = 16 * 1024 * 1024;
const REPOSITORIES_BYTES = 8 * 1024 * 1024;

export class NexusClient {
  readonly #base: URL;
  readonly #http: CountingHttpClient;
  readonly #authorization: string | undefined;
  readonly #username: string | undefined;
  readonly #maxPages: number;
  readonly #retry: RetryPolicy;
  readonly #sleep: Sleep;
  readonly #random: () => number;
  readonly #clock: Clock;
  readonly #onRetry: NexusClientOptions['onRetry'];

  constructor(options: NexusClientOptions) {
    this.#base = asBaseUrl(options.baseUrl);
    this.#http = new CountingHttpClient(options.http);
    this.#authorization = options.credentials === undefined ? undefined : basicAuthorization(options.credentials);
    this.#username = options.credentials?.username;
    this.#maxPages = options.maxPages ?? 20_000;
    this.#retry = options.retry ?? DEFAULT_RETRY;
    this.#sleep = options.sleep ?? realSleep;
    this.#random = options.random ?? Math.random;
    this.#clock = options.clock ?? systemClock;
    this.#onRetry = options.onRetry;
  }

  /** Requests sent to Nexus so far, retries included (the CE daily budget counts them all). */
  get requests(): number {
    return this.#http.sent;
  }

  /** The registry API base of a repository on the main port (`/repository/<name>/`, §2.5). */
  registryBase(repository: string): URL {
    return urlUnder(this.#base, `repository/${encodeURIComponent(repository)}/`);
  }

  get host(): string {
    return this.#base.hostname;
  }

  /** Every repository of format docker the account can browse (`GET /v1/repositories`, §1.2). */
  async listDockerRepositories(signal?: AbortSignal): Promise<NexusRepository[]> {
    const body = await this.#getJson('service/rest/v1/repositories', 'the Nexus repository list', REPOSITORIES_BYTES, signal);
    const repositories = parseRepositories(body);
    if (repositories === undefined) {
      throw new FetchError('MALFORMED', 'the Nexus repository list is not a JSON array');
    }
    return repositories.filter((repository) => repository.format === 'docker');
  }

  /**
   * The Docker connector of a repository (`GET /v1/repositories/docker/{type}/{name}`,
   * §1.3), which needs admin-read: undefined when the account may not see it.
   */
  async dockerConnector(repository: NexusRepository, signal?: AbortSignal): Promise<DockerConnector | undefined> {
    const path = `service/rest/v1/repositories/docker/${encodeURIComponent(repository.type)}/${encodeURIComponent(repository.name)}`;
    try {
      return parseDockerConnector(await this.#getJson(path, `the settings of repository ${repository.name}`, REPOSITORIES_BYTES, signal));
    } catch (error) {
      if (error instanceof FetchError && (error.status === 401 || error.status === 403 || error.status === 404)) {
        return undefined;
      }
      throw error;
    }
  }

  /**
   * The GUN prefix implied by a repository's connector (§2.5, §2.6): path-based
   * routing → `host/<repo>`, else the https or http connector port → `host:port`.
   * Undefined when the account cannot read the settings or there is no connector.
   */
  async gunPrefixOf(repository: NexusRepository, signal?: AbortSignal): Promise<string | undefined> {
    const connector = await this.dockerConnector(repository, signal);
    if (connector === undefined) {
      return undefined;
    }
    if (connector.pathEnabled) {
      return `${this.host}/${repository.name}`;
    }
    const port = connector.httpsPort ?? connector.httpPort;
    return port === null ? undefined : `${this.host}:${port}`;
  }

  /** The repository's tags, one page of components at a time. */
  async *listTags(repository: string, signal?: AbortSignal): AsyncGenerator<ComponentPage> {
    const seenTokens = new Set<string>();
    let token: string | null = null;
    for (let page = 1; ; page++) {
      if (page > this.#maxPages) {
        throw new FetchError('TOO_LARGE', `repository ${repository}: more than ${this.#maxPages} pages of components; raise the page cap or split the audit`);
      }
      const query = new URLSearchParams({ repository });
      if (token !== null) {
        query.set('continuationToken', token);
      }
      const what = `page ${page} of the components of repository ${repository}`;
      const parsed = parseComponentPage(await this.#getJson(`service/rest/v1/components?${query.toString()}`, what, PAGE_BYTES, signal));
      if (parsed === undefined) {
        throw new FetchError('MALFORMED', `${what}: not a Nexus component page ({"items": [...], "continuationToken": ...})`);
      }
      yield parsed;
      token = parsed.continuationToken;
      if (token === null) {
        return;
      }
      if (seenTokens.has(token)) {
        throw new FetchError('MALFORMED', `repository ${repository}: Nexus repeated continuationToken ${JSON.stringify(token)}; stopping instead of looping`);
      }
      seenTokens.add(token);
    }
  }

  async #getJson(path: string, what: string, maxBytes: number, signal: AbortSignal | undefined): Promise<unknown> {
    const url = urlUnder(this.#base, path);
    const response = await withRetry(
      async () => {
        const headers: Record<string, string> = { accept: 'application/json' };
        if (this.#authorization !== undefined) {
          headers['authorization'] = this.#authorization;
        }
        const result = await this.#http.send(url, { maxBytes, what, headers, signal });
        if (result.status !== 200) {
          throw statusError(what, url, result, this.#username, this.#clock.now());
        }
        return result;
      },
      {
        policy: this.#retry,
        sleep: this.#sleep,
        random: this.#random,
        signal,
        onRetry: (error, delay) => this.#onRetry?.(what, error, delay),
      }
    );
    try {
      return JSON.parse(response.body.toString('utf8')) as unknown;
    } catch {
      throw new FetchError('MALFORMED', `${what}: Nexus answered with something that is not JSON (${describeUrl(url)})`);
    }
  }
}

const PRIVILEGES = 'nx-repository-view-*-*-browse and nx-repository-view-*-*-read (or the browse and read privileges of each Docker repository)';

/**
 * What a 401 or 403 from Nexus means, and what to check: a 401 is the login
 * (credentials, the account, its realm; without credentials, anonymous access
 * being off), a 403 the account's privileges. Never the password.
 */
function authMessage(what: string, status: number, username: string | undefined, where: string): string {
  const user = username === undefined ? undefined : JSON.stringify(username);
  if (status === 401) {
    return user === undefined
      ? `${what}: Nexus requires a login (HTTP 401) and no credentials are configured, so its anonymous access is off; ` +
          `set nexus.username and nexus.password (or nexus.passwordFile) for an account with ${PRIVILEGES}, ` +
          `or turn anonymous access on in Nexus (Security > Anonymous Access) (${where})`
      : `${what}: Nexus refused the login of user ${user} (HTTP 401); check nexus.username and nexus.password ` +
          `(or the content of nexus.passwordFile), that the account exists and is active in Nexus, ` +
          `and that its realm (Local Authenticating Realm, LDAP) is active under Security > Realms (${where})`;
  }
  return user === undefined
    ? `${what}: Nexus denied anonymous access (HTTP 403); set nexus.username and nexus.password (or nexus.passwordFile) ` +
        `for an account with ${PRIVILEGES}, or grant them to the anonymous user's role (${where})`
    : `${what}: Nexus denied user ${user} (HTTP 403): the login is accepted but the account lacks privileges; ` + `give it a role with ${PRIVILEGES} (${where})`;
}

/** `now`: when the answer came, for a Retry-After given as a date. */
function statusError(what: string, url: URL, response: HttpResponse, username: string | undefined, now: Date): FetchError {
  const status = response.status;
  const where = describeUrl(url);
  const code = statusErrorCode(status);
  if (code === 'AUTH') {
    return new FetchError(code, authMessage(what, status, username, where), { status });
  }
  const body = response.body.toString('utf8').slice(0, 200).replace(/\s+/g, ' ').trim();
  const error = new FetchError(code, `${what}: Nexus answered HTTP ${status}${body === '' ? '' : `: ${body}`} (${where})`, { status });
  if (status === 429 || status === 503) {
    return new RetryableStatusError(error, retryAfterMs(headerValue(response.headers, 'retry-after'), now));
  }
  return error;
}
