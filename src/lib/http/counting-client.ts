/**
 * Counts the requests a client sends, for the request figures of a scan (the
 * Nexus Community Edition daily budget counts every request, 401s and retries
 * included: docs/nexus-and-registry.md §1.9). Placed below retries and the
 * challenge authenticator, it sees every attempt and every token request.
 */
import type { HttpClient, HttpRequest, HttpResponse } from './http-client.js';

export class CountingHttpClient implements HttpClient {
  readonly #inner: HttpClient;
  #sent = 0;

  constructor(inner: HttpClient) {
    this.#inner = inner;
  }

  /** Requests sent so far, whether they were answered or failed. */
  get sent(): number {
    return this.#sent;
  }

  send(url: URL, options: HttpRequest): Promise<HttpResponse> {
    this.#sent++;
    return this.#inner.send(url, options);
  }
}
