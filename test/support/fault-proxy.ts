/**
 * A fault-injection HTTP proxy for the reliability tests: in front of the
 * Nexus test server or Notary, it answers selected requests with a fault
 * instead of (or on top of) the real response.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

import { request } from 'undici';

export type Fault =
  /** Answer with this status (and headers, body), without asking upstream. */
  | { readonly kind: 'status'; readonly status: number; readonly headers?: Readonly<Record<string, string>>; readonly body?: string }
  /** Send the headers and part of the real body, then reset the connection. */
  | { readonly kind: 'reset-mid-body' }
  /** Send the real body a few bytes at a time, slower than any sane timeout. */
  | { readonly kind: 'drip'; readonly intervalMs: number }
  /** Send the first half of the real body as if it were all of it (valid length, truncated JSON). */
  | { readonly kind: 'truncate' }
  /** Send this many bytes of padding after a JSON prefix. */
  | { readonly kind: 'oversize'; readonly bytes: number }
  /** Redirect to another origin. */
  | { readonly kind: 'redirect'; readonly location: string };

/** Decides, per request, whether to inject a fault. */
export type FaultRule = (path: string, method: string) => Fault | undefined;

export interface FaultProxy {
  readonly url: string;
  readonly requests: { readonly path: string; readonly fault: Fault['kind'] | undefined; readonly at: number }[];
  setRule(rule: FaultRule | undefined): void;
  stop(): Promise<void>;
}

export async function startFaultProxy(upstream: string): Promise<FaultProxy> {
  let rule: FaultRule | undefined;
  const requests: FaultProxy['requests'][number][] = [];
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();

  const forward = async (req: IncomingMessage): Promise<{ status: number; headers: Record<string, string>; body: Buffer }> => {
    const headers: Record<string, string> = {};
    for (const name of ['authorization', 'accept', 'user-agent']) {
      const value = req.headers[name];
      if (typeof value === 'string') {
        headers[name] = value;
      }
    }
    const response = await request(new URL(req.url ?? '/', upstream), { method: (req.method ?? 'GET') as 'GET', headers });
    const body = Buffer.from(await response.body.arrayBuffer());
    const out: Record<string, string> = {};
    for (const [name, value] of Object.entries(response.headers)) {
      if (typeof value === 'string' && !['content-length', 'transfer-encoding', 'connection', 'keep-alive'].includes(name)) {
        out[name] = value;
      }
    }
    return { status: response.statusCode, headers: out, body };
  };

  const serve = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = req.url ?? '/';
    const fault = rule?.(path, req.method ?? 'GET');
    requests.push({ path, fault: fault?.kind, at: Date.now() });
    if (fault === undefined) {
      const real = await forward(req);
      res.writeHead(real.status, { ...real.headers, 'content-length': String(real.body.length) });
      res.end(real.body);
      return;
    }
    switch (fault.kind) {
      case 'status': {
        const body = fault.body ?? `{"errors":[{"code":"INJECTED","message":"injected ${fault.status}"}]}`;
        res.writeHead(fault.status, { 'content-type': 'application/json', ...fault.headers, 'content-length': String(Buffer.byteLength(body)) });
        res.end(body);
        return;
      }
      case 'redirect':
        res.writeHead(302, { location: fault.location, 'content-length': '0' });
        res.end();
        return;
      case 'oversize': {
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(fault.bytes) });
        const chunk = Buffer.alloc(64 * 1024, 0x20);
        let sent = 0;
        const pump = (): void => {
          while (sent < fault.bytes && !res.destroyed) {
            const size = Math.min(chunk.length, fault.bytes - sent);
            sent += size;
            if (!res.write(chunk.subarray(0, size))) {
              res.once('drain', pump);
              return;
            }
          }
          res.end();
        };
        pump();
        return;
      }
      default:
        break;
    }
    const real = await forward(req);
    switch (fault.kind) {
      case 'truncate': {
        const half = real.body.subarray(0, Math.floor(real.body.length / 2));
        res.writeHead(real.status, { ...real.headers, 'content-length': String(half.length) });
        res.end(half);
        return;
      }
      case 'reset-mid-body': {
        res.writeHead(real.status, { ...real.headers, 'content-length': String(real.body.length) });
        res.write(real.body.subarray(0, Math.floor(real.body.length / 3)));
        const timer = setTimeout(() => {
          timers.delete(timer);
          req.socket.resetAndDestroy();
        }, 20);
        timers.add(timer);
        return;
      }
      case 'drip': {
        res.writeHead(real.status, { ...real.headers, 'content-length': String(real.body.length) });
        let offset = 0;
        const timer = setInterval(() => {
          if (offset >= real.body.length || res.destroyed) {
            clearInterval(timer);
            timers.delete(timer);
            res.end();
            return;
          }
          res.write(real.body.subarray(offset, offset + 4));
          offset += 4;
        }, fault.intervalMs);
        timers.add(timer);
        return;
      }
    }
  };

  const server: Server = createServer((req, res) => {
    serve(req, res).catch(() => {
      if (!res.headersSent) {
        res.writeHead(502);
      }
      res.end();
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return {
    url: `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`,
    requests,
    setRule(next) {
      rule = next;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        for (const timer of timers) {
          clearTimeout(timer);
          clearInterval(timer);
        }
        for (const socket of sockets) {
          socket.destroy();
        }
        server.close(() => resolve());
      }),
  };
}
