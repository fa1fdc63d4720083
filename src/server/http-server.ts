/**
 * The daemon's HTTP endpoints (contract: `serve`): /metrics, /healthz,
 * /readyz, the /api/v1 scan and tag endpoints, and a read-only status page at
 * `/`. Nothing here scans or fetches: scrapes and API reads only render what
 * the last scan left in memory and in SQLite.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';

import type { Registry } from 'prom-client';

import type { Clock } from '../lib/clock.js';
import { basicAuthorization, type Credentials } from '../lib/http/basic-auth.js';
import { TAG_STATUSES, type TagStatus } from '../notary/core/codes.js';
import { COVERAGES, type Coverage } from '../domain/signatures.js';
import type { StoredTag } from '../domain/verdict.js';
import type { ScanStore } from '../store/scan-store.js';
import type { AuditService } from '../scheduler/audit-service.js';
import { contractTag } from '../scan/tag-json.js';
import { createNexusWebhookRoute, type NexusWebhookOptions } from './nexus-webhook-route.js';
import { authorized, crossSiteRefusal, hostAllowed } from './request-checks.js';
import { renderStatusPage, renderStatusPageError } from './status-page/page.js';
import { gatherStatusPage } from './status-page/view-model.js';

export interface HttpServerOptions {
  readonly registry: Registry;
  readonly service: AuditService;
  readonly store: ScanStore;
  readonly version: string;
  /** Basic auth for everything but the probes (/healthz, /readyz), when set. */
  readonly auth?: Credentials | undefined;
  /** Serve HTTPS with this PEM certificate chain and key, when set. */
  readonly tls?: { readonly cert: string; readonly key: string } | undefined;
  /** Host names answered besides IP addresses and `localhost` (`web.hosts` and the machine's name). */
  readonly hostNames: readonly string[];
  /** A scan requested sooner than this after the last one ended gets 429. */
  readonly minScanIntervalMs: number;
  readonly clock: Clock;
  /** The status page's expiry warning window (`expiryWarningDays`). */
  readonly expiryWarningDays: number;
  /** When the schedule next starts a scan, for the status page. */
  readonly nextScanAt?: (() => Date | undefined) | undefined;
  /** Where docs/runbooks.md is published; the status page links its sections (`<url>#<alert>`). */
  readonly runbookUrl?: string | undefined;
  /** `POST /api/v1/events/nexus` (nexus-webhook-route.ts), when events are configured with a secret. */
  readonly nexusWebhook?: NexusWebhookOptions | undefined;
}

/** Authenticated by its own HMAC: Nexus's webhook sends no Basic credentials. */
const WEBHOOK_PATH = '/api/v1/events/nexus';

export interface RunningServer {
  readonly port: number;
  close(): Promise<void>;
}

const MAX_PAGE = 1000;
const DEFAULT_PAGE = 100;
/** No script at all, no other origin: the page is styles and links (README, Security). */
const STATUS_PAGE_CSP = "default-src 'none'; style-src 'unsafe-inline'";

export async function startHttpServer(options: HttpServerOptions, host: string, port: number): Promise<RunningServer> {
  const expected = options.auth === undefined ? undefined : Buffer.from(basicAuthorization(options.auth));
  const hostNames = new Set(['localhost', ...options.hostNames.map((name) => name.toLowerCase())]);
  const webhook = options.nexusWebhook === undefined ? undefined : createNexusWebhookRoute(options.nexusWebhook);
  const listener = (req: IncomingMessage, res: ServerResponse): void => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    // DNS rebinding: a page whose name now resolves here sends its own name as
    // Host. The probes stay open to any Host (kubelets use the pod IP anyway).
    if (path !== '/healthz' && path !== '/readyz' && !hostAllowed(req.headers.host, hostNames)) {
      sendJson(res, 421, { error: `this server does not answer to Host ${JSON.stringify(req.headers.host ?? '')}; list the name in web.hosts` });
      return;
    }
    const ownAuth = path === WEBHOOK_PATH && options.nexusWebhook !== undefined;
    if (expected !== undefined && path !== '/healthz' && path !== '/readyz' && !ownAuth && !authorized(req.headers.authorization, expected)) {
      res.writeHead(401, { 'www-authenticate': 'Basic realm="trust-auditor"', 'content-type': 'application/json' });
      res.end('{"error":"authentication required"}\n');
      return;
    }
    handle(options, webhook, req, res).catch((error: unknown) => {
      if (!res.headersSent) {
        sendJson(res, 500, { error: 'internal error', detail: (error as Error).message });
      } else {
        res.destroy();
      }
    });
  };
  const server: Server = options.tls === undefined ? createServer(listener) : createHttpsServer({ cert: options.tls.cert, key: options.tls.key }, listener);
  server.requestTimeout = 30_000;
  server.headersTimeout = 10_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  return {
    port: typeof address === 'object' && address !== null ? address.port : port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      }),
  };
}

async function handle(
  options: HttpServerOptions,
  webhook: ((req: IncomingMessage, res: ServerResponse) => Promise<void>) | undefined,
  req: IncomingMessage,
  res: ServerResponse
): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const method = req.method ?? 'GET';
  const route = `${method} ${url.pathname}`;
  switch (route) {
    case 'GET /metrics':
    case 'HEAD /metrics': {
      const body = await options.registry.metrics();
      res.writeHead(200, { 'content-type': options.registry.contentType });
      res.end(method === 'HEAD' ? undefined : body);
      return;
    }
    case 'GET /healthz':
      sendText(res, 200, 'ok\n');
      return;
    case 'GET /readyz':
      if (options.service.ready) {
        sendText(res, 200, 'ready\n');
      } else {
        sendText(res, 503, 'not ready: no scan has completed yet\n');
      }
      return;
    case 'POST /api/v1/scans': {
      const refusal = crossSiteRefusal(req);
      if (refusal !== undefined) {
        sendJson(res, refusal.status, { error: refusal.reason });
        return;
      }
      const last = options.store.latestFinishedScan()?.finishedAt;
      const wait = last === undefined || last === null ? 0 : Date.parse(last) + options.minScanIntervalMs - options.clock.now().getTime();
      if (wait > 0 && !options.service.running) {
        res.setHeader('retry-after', String(Math.ceil(wait / 1000)));
        sendJson(res, 429, { status: 'refused', reason: `the last scan ended less than ${options.minScanIntervalMs / 1000} s ago` });
        return;
      }
      const result = options.service.trigger('api');
      if (result.accepted) {
        sendJson(res, 202, { status: 'started' });
      } else {
        sendJson(res, 409, { status: 'refused', reason: result.reason === 'running' ? 'a scan is already running' : 'the server is shutting down' });
      }
      return;
    }
    case `POST ${WEBHOOK_PATH}`:
      if (webhook === undefined) {
        sendJson(res, 404, { error: 'events are not configured: set events.nexusWebhookSecret' });
        return;
      }
      await webhook(req, res);
      return;
    case 'GET /api/v1/scans': {
      const limit = pageSize(url.searchParams.get('limit'));
      if (limit === undefined) {
        sendJson(res, 400, { error: `limit must be a whole number from 1 to ${MAX_PAGE}` });
        return;
      }
      sendJson(res, 200, { scans: options.store.recentScans(limit), running: options.service.running });
      return;
    }
    case 'GET /api/v1/tags': {
      const status = url.searchParams.get('status') ?? undefined;
      if (status !== undefined && !(TAG_STATUSES as readonly string[]).includes(status)) {
        sendJson(res, 400, { error: `status must be one of ${TAG_STATUSES.join(', ')}` });
        return;
      }
      const coverage = url.searchParams.get('coverage') ?? undefined;
      if (coverage !== undefined && !(COVERAGES as readonly string[]).includes(coverage)) {
        sendJson(res, 400, { error: `coverage must be one of ${COVERAGES.join(', ')}` });
        return;
      }
      const limit = pageSize(url.searchParams.get('limit'));
      const after = decodeCursor(url.searchParams.get('after'));
      if (limit === undefined || after === null) {
        sendJson(res, 400, { error: `limit must be 1 to ${MAX_PAGE}; after must be a cursor from a previous page` });
        return;
      }
      const tags = options.store.queryTags({
        status: status as TagStatus | undefined,
        coverage: coverage as Coverage | undefined,
        repository: url.searchParams.get('repository') ?? undefined,
        limit: limit + 1,
        after,
      });
      const page = tags.slice(0, limit);
      const last = page[page.length - 1];
      sendJson(res, 200, { tags: page.map(publicTag), next: tags.length > limit && last !== undefined ? encodeCursor(last) : null });
      return;
    }
    case 'GET /': {
      const view = gatherStatusPage(options, url.searchParams, options.clock.now());
      res.writeHead(view.ok ? 200 : 400, { 'content-type': 'text/html; charset=utf-8', 'content-security-policy': STATUS_PAGE_CSP, 'cache-control': 'no-store' });
      res.end(view.ok ? renderStatusPage(view.value) : renderStatusPageError(view.error));
      return;
    }
    default: {
      const known = ['/metrics', '/healthz', '/readyz', '/api/v1/scans', '/api/v1/tags', WEBHOOK_PATH, '/'];
      sendJson(res, known.includes(url.pathname) ? 405 : 404, { error: known.includes(url.pathname) ? `method ${method} not allowed` : 'not found' });
    }
  }
}

/** The contract's tag fields, plus the history the database keeps. */
function publicTag(tag: StoredTag): Record<string, unknown> {
  return {
    ...contractTag(tag),
    firstSeenAt: tag.firstSeenAt,
    statusSince: tag.statusSince,
    digestSince: tag.digestSince,
    lastScanId: tag.lastScanId,
  };
}

function pageSize(value: string | null): number | undefined {
  if (value === null) {
    return DEFAULT_PAGE;
  }
  const n = Number(value);
  return Number.isInteger(n) && n >= 1 && n <= MAX_PAGE ? n : undefined;
}

function encodeCursor(tag: StoredTag): string {
  return Buffer.from(JSON.stringify([tag.repository, tag.image, tag.tag])).toString('base64url');
}

/** undefined: no cursor; null: a cursor that is not ours. */
function decodeCursor(value: string | null): { repository: string; image: string; tag: string } | undefined | null {
  if (value === null) {
    return undefined;
  }
  try {
    const parsed = JSON.parse(Buffer.from(value, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(parsed) && parsed.length === 3 && parsed.every((part) => typeof part === 'string')) {
      const [repository, image, tag] = parsed as [string, string, string];
      return { repository, image, tag };
    }
  } catch {
    // fall through
  }
  return null;
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body) + '\n');
}

function sendText(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' });
  res.end(body);
}
