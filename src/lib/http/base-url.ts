/**
 * Base URLs of the servers we read: `http://nexus:8081/nexus` and
 * `http://nexus:8081/nexus/` must mean the same, yet WHATWG URL resolution
 * replaces the last path segment of a base without a trailing slash
 * (`new URL('v2/x', 'http://h/nexus')` is `http://h/v2/x`).
 */

/** The URL as a base: path ending in `/`, no query, no fragment. */
export function asBaseUrl(url: URL): URL {
  const base = new URL(url.href);
  base.search = '';
  base.hash = '';
  if (!base.pathname.endsWith('/')) {
    base.pathname += '/';
  }
  return base;
}

/**
 * `path` under `base`, whatever the base's trailing slash. `path` is relative
 * and already encoded (built from validated names); one that would resolve
 * outside the base (`/x`, `../x`, `//host/x`, `https://host/x`) is a
 * programming error.
 */
export function urlUnder(base: URL, path: string): URL {
  const root = asBaseUrl(base);
  const url = new URL(path, root);
  if (url.origin !== root.origin || !url.pathname.startsWith(root.pathname)) {
    throw new TypeError(`${JSON.stringify(path)} leaves the base URL ${root.origin}${root.pathname}`);
  }
  return url;
}
