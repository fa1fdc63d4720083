/**
 * One request to the fake Nexus and the way every answer is written: the headers Nexus always
 * sends, an exact Content-Length, and an entry in the server's request log (which tests read as the
 * Community Edition request budget, docs/nexus-and-registry.md §1.9).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

import type { Principal } from './auth.js';
import type { FakeRequestRecord } from './types.js';

const SERVER_HEADER = 'Nexus/3.77.0-08 (COMMUNITY)';

export interface Exchange {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly url: URL;
  /** Base URL as Nexus derives it from the request (BaseUrlHolder). */
  readonly origin: string;
  readonly principal: Principal;
  /** The server's request log: every answer sent is appended to it. */
  readonly log: FakeRequestRecord[];
}

export type Headers = Readonly<Record<string, string>>;

/** Appends a request to the log; status 0 when no answer was sent (the socket was destroyed). */
export function recordRequest(log: FakeRequestRecord[], req: IncomingMessage, status: number): void {
  log.push({ method: req.method ?? 'GET', path: req.url ?? '/', authorized: req.headers.authorization !== undefined, status });
}

export function send(ex: Exchange, status: number, headers: Headers, body: string | Uint8Array): void {
  const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  recordRequest(ex.log, ex.req, status);
  ex.res.writeHead(status, {
    Server: SERVER_HEADER,
    'X-Content-Type-Options': 'nosniff',
    ...headers,
    'Content-Length': String(bytes.length),
  });
  ex.res.end(bytes); // Node drops the body of HEAD responses and keeps Content-Length.
}

/** The HTML page Nexus answers for a path it does not serve: neither the REST API nor a Docker repository's content. */
export function sendHtmlNotFound(ex: Exchange): void {
  send(
    ex,
    404,
    { 'Content-Type': 'text/html' },
    '<!DOCTYPE html>\n<html lang="en">\n<head>\n  <title>404 - Sonatype Nexus Repository</title>\n</head>\n<body>\n<h1>Error 404</h1>\n<p>Not Found</p>\n</body>\n</html>\n'
  );
}
