/**
 * The checks every request to the daemon passes before it is handled: the
 * Host it names (DNS rebinding), Basic credentials in constant time, and for a
 * request that changes state, that no web page could have sent it.
 */
import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';

/**
 * A state-changing request must be one no web page can send on its own: a
 * JSON body (a non-simple request: a browser asks first, and we answer no
 * preflight), not marked cross-site by the browser, with no foreign Origin.
 */
export function crossSiteRefusal(req: IncomingMessage): { status: number; reason: string } | undefined {
  const contentType = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  if (contentType !== 'application/json') {
    return { status: 415, reason: 'send Content-Type: application/json' };
  }
  const fetchSite = req.headers['sec-fetch-site'];
  if (fetchSite === 'cross-site' || fetchSite === 'same-site') {
    return { status: 403, reason: 'cross-site requests are refused' };
  }
  const origin = req.headers.origin;
  if (origin === undefined) {
    return undefined;
  }
  if (origin === 'null') {
    return { status: 403, reason: 'requests from an opaque origin are refused' };
  }
  const originHost = URL.parse(origin)?.host;
  if (originHost === undefined) {
    return { status: 403, reason: 'the Origin header is not a URL' };
  }
  if (originHost.toLowerCase() !== (req.headers.host ?? '').toLowerCase()) {
    return { status: 403, reason: 'requests from another origin are refused' };
  }
  return undefined;
}

/** IP literals (a rebound DNS name is never one), localhost, and the configured names; the port is not judged. */
export function hostAllowed(header: string | undefined, names: ReadonlySet<string>): boolean {
  if (header === undefined) {
    return false;
  }
  let hostname: string;
  try {
    hostname = new URL(`http://${header}`).hostname.toLowerCase();
  } catch {
    return false;
  }
  const bare = hostname.startsWith('[') ? hostname.slice(1, -1) : hostname;
  return isIP(bare) !== 0 || names.has(bare) || bare.endsWith('.localhost');
}

export function authorized(header: string | undefined, expected: Buffer): boolean {
  const given = Buffer.from(header ?? '');
  return given.length === expected.length && timingSafeEqual(given, expected);
}
