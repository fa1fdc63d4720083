/**
 * Answers `401` challenges the way docker and the notary client do
 * (notary utils/http.go; registry token spec): Basic with the configured
 * credentials, or Bearer with a token from the challenge's realm. Tokens are
 * kept per origin and scope hint (a GUN or an image) in a private field, so a
 * logged or inspected client never shows them.
 */
import { FetchError } from '../errors.js';
import { basicAuthorization, type Credentials } from './basic-auth.js';
import { describeUrl, headerValue, type HttpClient, type HttpRequest, type HttpResponse } from './http-client.js';
import { parseChallenge, type Challenge } from './www-authenticate.js';

const TOKEN_RESPONSE_LIMIT = 64 * 1024;
const MAX_CACHED_AUTHORIZATIONS = 10_000;

export interface ChallengeOptions {
  /**
   * Hosts (`host` or `host:port`) besides the server's own origin whose Bearer
   * token realm may receive the credentials: a Notary whose token server lives
   * elsewhere. Credentials go nowhere else.
   */
  readonly tokenRealmHosts?: readonly string[];
}

export class ChallengeAuthenticator {
  readonly #http: HttpClient;
  readonly #credentials: Credentials | undefined;
  readonly #tokenRealmHosts: ReadonlySet<string>;
  readonly #authorizations = new Map<string, string>();

  constructor(http: HttpClient, credentials: Credentials | undefined, options: ChallengeOptions = {}) {
    this.#http = http;
    this.#credentials = credentials;
    this.#tokenRealmHosts = new Set((options.tokenRealmHosts ?? []).map((host) => host.toLowerCase()));
  }

  /** Sends `req`, answering one authentication challenge if the server asks. */
  async send(url: URL, req: HttpRequest, scopeHint: string): Promise<HttpResponse> {
    // Basic answers a whole origin (Nexus forceBasicAuth); Bearer tokens are per scope.
    const originKey = `${url.origin} (basic)`;
    const cacheKey = `${url.origin} ${scopeHint}`;
    const cached = this.#authorizations.get(originKey) ?? this.#authorizations.get(cacheKey);
    const response = await this.#http.send(url, withAuthorization(req, cached));
    if (response.status !== 401) {
      return response;
    }
    // Only the configured origin's own challenge is answered: a 401 that comes
    // from wherever a redirect led must not get the credentials (or the token
    // they buy) sent to the realm it names.
    if (response.url.origin !== url.origin) {
      return response;
    }
    const header = headerValue(response.headers, 'www-authenticate');
    const challenge = header === undefined ? undefined : parseChallenge(header);
    if (challenge === undefined) {
      return response;
    }
    const authorization = await this.#answer(challenge, url, req);
    if (authorization === undefined) {
      return response;
    }
    if (this.#authorizations.size >= MAX_CACHED_AUTHORIZATIONS) {
      this.#authorizations.clear();
    }
    this.#authorizations.set(challenge.scheme === 'basic' ? originKey : cacheKey, authorization);
    return this.#http.send(url, withAuthorization(req, authorization));
  }

  async #answer(challenge: Challenge, url: URL, req: HttpRequest): Promise<string | undefined> {
    if (challenge.scheme === 'basic') {
      return this.#credentials === undefined ? undefined : basicAuthorization(this.#credentials);
    }
    if (challenge.scheme !== 'bearer') {
      return undefined;
    }
    const realm = challenge.params.get('realm');
    if (realm === undefined) {
      throw new FetchError('AUTH', `${req.what}: Bearer challenge from ${describeUrl(url)} has no realm`);
    }
    let tokenUrl: URL;
    try {
      tokenUrl = new URL(realm, url);
    } catch {
      throw new FetchError('AUTH', `${req.what}: Bearer realm ${JSON.stringify(realm)} is not a URL`);
    }
    if (tokenUrl.protocol !== 'https:' && tokenUrl.protocol !== 'http:') {
      throw new FetchError('AUTH', `${req.what}: Bearer realm uses unsupported scheme ${tokenUrl.protocol}`);
    }
    if (url.protocol === 'https:' && tokenUrl.protocol === 'http:' && this.#credentials !== undefined) {
      throw new FetchError('AUTH', `${req.what}: refusing to send credentials to plain-http realm ${describeUrl(tokenUrl)}`);
    }
    if (this.#credentials !== undefined && tokenUrl.origin !== url.origin && !this.#tokenRealmHosts.has(tokenUrl.host.toLowerCase())) {
      throw new FetchError(
        'AUTH',
        `${req.what}: refusing to send credentials to token realm ${describeUrl(tokenUrl)} on another host than ${url.origin}; allow it with tokenRealmHosts if it is yours`
      );
    }
    for (const name of ['service', 'scope']) {
      const value = challenge.params.get(name);
      if (value !== undefined) {
        tokenUrl.searchParams.set(name, value);
      }
    }
    const response = await this.#http.send(tokenUrl, {
      maxBytes: TOKEN_RESPONSE_LIMIT,
      what: `token for ${req.what}`,
      signal: req.signal,
      headers: this.#credentials === undefined ? {} : { authorization: basicAuthorization(this.#credentials) },
    });
    if (response.status !== 200) {
      throw new FetchError('AUTH', `${req.what}: token endpoint ${describeUrl(tokenUrl)} answered HTTP ${response.status}`, {
        status: response.status,
      });
    }
    let token: unknown;
    try {
      const parsed = JSON.parse(response.body.toString('utf8')) as { token?: unknown; access_token?: unknown };
      token = parsed.token ?? parsed.access_token;
    } catch {
      token = undefined;
    }
    if (typeof token !== 'string' || token.length === 0) {
      throw new FetchError('AUTH', `${req.what}: token endpoint ${describeUrl(tokenUrl)} returned no token`);
    }
    return `Bearer ${token}`;
  }
}

function withAuthorization(req: HttpRequest, authorization: string | undefined): HttpRequest {
  if (authorization === undefined) {
    return req;
  }
  return { ...req, headers: { ...req.headers, authorization } };
}
