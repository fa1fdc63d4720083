/**
 * The one HTTP layer: undici `request` over an injected dispatcher, with every
 * bound a hostile or broken server needs (body size, time, redirects), and
 * errors mapped to a closed set of codes. Credentials never follow a redirect
 * to another origin (sigstore oci SENSITIVE_HEADERS; undici drops them too).
 */
import type { Dispatcher } from 'undici';
import { request } from 'undici';

import { FetchError, type FetchErrorCode } from '../errors.js';

export interface HttpClientOptions {
  readonly dispatcher: Dispatcher;
  readonly userAgent: string;
  /** Time allowed for one request, from connect to the last body byte. */
  readonly timeoutMs: number;
  readonly maxRedirects?: number;
}

export interface HttpRequest {
  readonly method?: 'GET' | 'HEAD' | 'POST';
  readonly headers?: Readonly<Record<string, string>>;
  /** A POST's body (Alertmanager's alerts). A client that posts is built with maxRedirects 0: a redirected POST is a REDIRECT failure, never replayed. */
  readonly body?: string;
  /** Responses larger than this fail with TOO_LARGE; the body is never buffered past it. */
  readonly maxBytes: number;
  /** What the caller is fetching, for error messages (`timestamp.json of example.com/app`). */
  readonly what: string;
  /**
   * The caller's abort (a shutdown, a signal). An aborted request rejects with
   * the signal's reason, as fetch does (an Error whose cause is the reason when
   * the reason is not an Error): never a FetchError, so an abort is not logged
   * as a TIMEOUT, not retried and not counted in source_errors_total.
   */
  readonly signal?: AbortSignal | undefined;
  /**
   * 'truncate': keep the first maxBytes + 1 bytes and stop reading, for bodies
   * whose exact length and hash are known (the verifier then reports the
   * mismatch, as notary httpstore.go GetSized cuts bodies at the known size).
   * Default 'fail': TOO_LARGE.
   */
  readonly onOverflow?: 'fail' | 'truncate';
}

export interface HttpResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: Buffer;
  /** The URL that finally answered, after redirects. */
  readonly url: URL;
}

export interface HttpClient {
  send(url: URL, options: HttpRequest): Promise<HttpResponse>;
}

const SENSITIVE_HEADERS = ['authorization', 'cookie', 'proxy-authorization'];

/** Bodies of error responses are only read for messages. */
const ERROR_BODY_LIMIT = 64 * 1024;

export function createHttpClient(options: HttpClientOptions): HttpClient {
  const maxRedirects = options.maxRedirects ?? 3;

  const sendOnce = async (url: URL, req: HttpRequest, headers: Record<string, string>): Promise<HttpResponse> => {
    const timeout = AbortSignal.timeout(options.timeoutMs);
    const signal = req.signal === undefined ? timeout : AbortSignal.any([timeout, req.signal]);
    try {
      const response = await request(url, {
        method: req.method ?? 'GET',
        headers: { 'user-agent': options.userAgent, ...headers },
        ...(req.body === undefined ? {} : { body: req.body }),
        dispatcher: options.dispatcher,
        signal,
        headersTimeout: options.timeoutMs,
        bodyTimeout: options.timeoutMs,
      });
      const limit = response.statusCode >= 200 && response.statusCode < 300 ? req.maxBytes : ERROR_BODY_LIMIT;
      const overflow = limit === req.maxBytes ? (req.onOverflow ?? 'fail') : 'truncate';
      const body = await readBounded(response.body, response.headers['content-length'], limit, overflow, req.what, url);
      return { status: response.statusCode, headers: response.headers, body, url };
    } catch (error) {
      if (error instanceof FetchError) {
        throw error;
      }
      if (req.signal?.aborted === true) {
        throw abortReason(req.signal, req.what);
      }
      throw mapTransportError(error, req.what, url, options.timeoutMs, timeout.aborted);
    }
  };

  return {
    async send(url, req) {
      let current = url;
      let headers: Record<string, string> = { ...req.headers };
      for (let hop = 0; ; hop++) {
        const response = await sendOnce(current, req, headers);
        if (![301, 302, 303, 307, 308].includes(response.status)) {
          return response;
        }
        const location = response.headers['location'];
        if (typeof location !== 'string' || hop >= maxRedirects) {
          throw new FetchError('REDIRECT', `${req.what}: too many redirects or no Location (from ${describeUrl(current)})`, {
            status: response.status,
          });
        }
        const next = new URL(location, current);
        if (next.protocol !== 'https:' && next.protocol !== 'http:') {
          throw new FetchError('REDIRECT', `${req.what}: redirect to unsupported scheme ${next.protocol}`);
        }
        if (current.protocol === 'https:' && next.protocol === 'http:') {
          throw new FetchError('REDIRECT', `${req.what}: refusing redirect from https to http (${describeUrl(next)})`);
        }
        if (next.origin !== current.origin) {
          headers = Object.fromEntries(Object.entries(headers).filter(([name]) => !SENSITIVE_HEADERS.includes(name.toLowerCase())));
        }
        current = next;
      }
    },
  };
}

type ResponseBody = AsyncIterable<Buffer> & {
  destroy(error?: Error): unknown;
  on(event: 'error', listener: () => void): unknown;
};

/** Stops reading a body; the abort error undici then emits is expected, not unhandled. */
function discard(body: ResponseBody): void {
  body.on('error', () => undefined);
  body.destroy();
}

async function readBounded(body: ResponseBody, contentLength: string | string[] | undefined, limit: number, overflow: 'fail' | 'truncate', what: string, url: URL): Promise<Buffer> {
  const declared = typeof contentLength === 'string' ? Number(contentLength) : Number.NaN;
  if (overflow === 'fail' && Number.isFinite(declared) && declared > limit) {
    discard(body);
    throw new FetchError('TOO_LARGE', `${what}: response of ${declared} bytes exceeds the ${limit}-byte limit (${describeUrl(url)})`);
  }
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of body) {
    total += chunk.length;
    chunks.push(chunk);
    if (total > limit) {
      discard(body);
      if (overflow === 'fail') {
        throw new FetchError('TOO_LARGE', `${what}: response exceeds the ${limit}-byte limit (${describeUrl(url)})`);
      }
      return Buffer.concat(chunks, total).subarray(0, limit + 1);
    }
  }
  return Buffer.concat(chunks, total);
}

/** What an aborted request rejects with: the signal's reason itself, or an Error carrying it. */
function abortReason(signal: AbortSignal, what: string): Error {
  const reason: unknown = signal.reason;
  return reason instanceof Error ? reason : new Error(`${what}: aborted (${String(reason)})`, { cause: reason });
}

const TLS_ERROR = /CERT|SSL|TLS|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS|HOSTNAME|ALTNAME/i;

function mapTransportError(error: unknown, what: string, url: URL, timeoutMs: number, timedOut: boolean): FetchError {
  const code = (error as { code?: string }).code ?? '';
  const message = (error as Error).message ?? String(error);
  const where = describeUrl(url);
  let fetchCode: FetchErrorCode = 'CONNECTION';
  let text = `${what}: cannot connect to ${where} (${code || message})`;
  if (timedOut || code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT' || code === 'UND_ERR_CONNECT_TIMEOUT' || (error as Error).name === 'TimeoutError') {
    fetchCode = 'TIMEOUT';
    text = `${what}: no complete answer from ${where} within ${timeoutMs} ms`;
  } else if (TLS_ERROR.test(code) || TLS_ERROR.test(message)) {
    fetchCode = 'TLS';
    text = `${what}: TLS failure talking to ${where} (${code || message}); is caFile right?`;
  } else if (code === 'UND_ERR_SOCKET' || code === 'ECONNRESET') {
    text = `${what}: connection to ${where} was closed mid-response (${code})`;
  }
  return new FetchError(fetchCode, text, { cause: error });
}

/** A URL for messages: never with credentials, never with a query (tokens travel there). */
export function describeUrl(url: URL): string {
  return `${url.protocol}//${url.host}${url.pathname}`;
}

export function headerValue(headers: HttpResponse['headers'], name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}
