/**
 * What an HTTP status that is not the answer asked for means, as one closed
 * code (docs/house-style.md rule 2), for Nexus, registries and Notary alike.
 */
import { FetchError } from '../errors.js';
import { describeUrl } from './http-client.js';

export type StatusErrorCode = 'AUTH' | 'HTTP_4XX' | 'HTTP_5XX';

/**
 * 401 and 403 are `AUTH` (a login or a privilege to fix, not a server fault);
 * 5xx is `HTTP_5XX` (the server's trouble, retried where retries are allowed);
 * every other unwanted status is `HTTP_4XX`, including an unexpected 1xx, 2xx
 * or 3xx that the caller cannot use.
 */
export function statusErrorCode(status: number): StatusErrorCode {
  if (status === 401 || status === 403) {
    return 'AUTH';
  }
  return status >= 500 ? 'HTTP_5XX' : 'HTTP_4XX';
}

export interface StatusErrorOptions {
  /** Why a 401 or 403 happened, as the caller knows it ("no credentials are configured"). */
  readonly authReason?: string | undefined;
  /** Appended to the message: the server's own words (`: MANIFEST_UNKNOWN (...)`), a hint. */
  readonly suffix?: string;
}

/**
 * The error for an unwanted status: `<what>: not authorised by <url> (HTTP 401[; reason])`
 * or `<what>: <url> answered HTTP <status>`, then the suffix. The URL is shown
 * without query or credentials (`describeUrl`).
 */
export function statusError(what: string, url: URL, status: number, options: StatusErrorOptions = {}): FetchError {
  const where = describeUrl(url);
  const suffix = options.suffix ?? '';
  const code = statusErrorCode(status);
  const reason = options.authReason === undefined ? '' : `; ${options.authReason}`;
  const message = code === 'AUTH' ? `${what}: not authorised by ${where} (HTTP ${status}${reason})${suffix}` : `${what}: ${where} answered HTTP ${status}${suffix}`;
  return new FetchError(code, message, { status });
}
