/**
 * A small HTTP proxy in front of the real notary-server that can alter what a
 * request returns: real trust data, changed on the wire the way a compromised
 * server, a broken cache or an attacker in the middle would change it.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';

import { request } from 'undici';

export interface ProxiedResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

/** Returns the response to send; `forward()` fetches the real one. */
export type Tamper = (path: string, forward: () => Promise<ProxiedResponse>) => Promise<ProxiedResponse>;

export interface TamperProxy {
  readonly url: string;
  /** With requireToken: make the token endpoint answer this status (undefined: work normally). */
  setTokenFailure(status: number | undefined): void;
  /** Paths requested so far. */
  readonly requests: string[];
  setTamper(tamper: Tamper | undefined): void;
  stop(): Promise<void>;
}

const PASS_THROUGH: Tamper = (_path, forward) => forward();

export interface TamperProxyOptions {
  /**
   * Require registry-style token auth (notary utils/http.go): 401 with a Bearer
   * challenge, a token endpoint at /token that checks these Basic credentials.
   */
  readonly requireToken?: { readonly username: string; readonly password: string };
}

export async function startTamperProxy(upstream: string, options: TamperProxyOptions = {}): Promise<TamperProxy> {
  let tamper: Tamper = PASS_THROUGH;
  const requests: string[] = [];
  const token = `token-${Math.random().toString(36).slice(2)}`;
  let tokenFailure: number | undefined;
  let selfUrl = '';
  const server: Server = createServer((req, res) => {
    const path = req.url ?? '/';
    requests.push(path);
    const required = options.requireToken;
    if (required !== undefined) {
      if (path.startsWith('/token') && tokenFailure !== undefined) {
        res.writeHead(tokenFailure, { 'content-type': 'application/json' });
        res.end('{"details":"token service failure"}');
        return;
      }
      if (path.startsWith('/token')) {
        const expected = 'Basic ' + Buffer.from(`${required.username}:${required.password}`).toString('base64');
        const scope = new URL(path, 'http://x').searchParams.get('scope') ?? '';
        if (req.headers.authorization !== expected || !scope.startsWith('repository:')) {
          res.writeHead(401, { 'content-type': 'application/json' });
          res.end('{"details":"bad credentials"}');
          return;
        }
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ token, expires_in: 300 }));
        return;
      }
      if (req.headers.authorization !== `Bearer ${token}`) {
        const gun = /^\/v2\/(.+)\/_trust\//.exec(path)?.[1] ?? '';
        res.writeHead(401, {
          'content-type': 'application/json',
          'www-authenticate': `Bearer realm="${selfUrl}/token",service="notary-server",scope="repository:${gun}:pull"`,
        });
        res.end('{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}');
        return;
      }
    }
    const forward = async (): Promise<ProxiedResponse> => {
      const response = await request(new URL(path, upstream), { method: 'GET', headers: forwardable(req.headers) });
      const body = Buffer.from(await response.body.arrayBuffer());
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(response.headers)) {
        if (typeof value === 'string' && name !== 'content-length' && name !== 'transfer-encoding' && name !== 'connection') {
          headers[name] = value;
        }
      }
      return { status: response.statusCode, headers, body };
    };
    tamper(path, forward).then(
      (result) => {
        res.writeHead(result.status, { ...result.headers, 'content-length': String(result.body.length) });
        res.end(result.body);
      },
      (error: unknown) => {
        res.writeHead(502, { 'content-type': 'text/plain' });
        res.end(String(error));
      }
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  selfUrl = `http://127.0.0.1:${port}`;
  return {
    url: selfUrl,
    requests,
    setTamper(next) {
      tamper = next ?? PASS_THROUGH;
    },
    setTokenFailure(status) {
      tokenFailure = status;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function forwardable(headers: IncomingHttpHeaders): Record<string, string> {
  const result: Record<string, string> = {};
  for (const name of ['authorization', 'accept', 'user-agent']) {
    const value = headers[name];
    if (typeof value === 'string') {
      result[name] = value;
    }
  }
  return result;
}

/** The role a Notary metadata path asks for (`targets/releases` for `…/targets/releases.<hex>.json`). */
export function roleOfPath(path: string): string | undefined {
  const match = /\/_trust\/tuf\/(.+?)(?:\.[0-9a-f]{64,128})?\.json$/.exec(path);
  return match?.[1];
}

/** Re-serialises a metadata file after `edit` changes its parsed form; signatures stay as they were. */
export function editMetadata(body: Buffer, edit: (envelope: { signed: Record<string, unknown>; signatures: { keyid: string; method: string; sig: string }[] }) => void): Buffer {
  const envelope = JSON.parse(body.toString('utf8')) as Parameters<typeof edit>[0];
  edit(envelope);
  return Buffer.from(JSON.stringify(envelope), 'utf8');
}

/** Flips one bit of the first signature. */
export function flipSignatureBit(body: Buffer): Buffer {
  return editMetadata(body, (envelope) => {
    const first = envelope.signatures[0];
    if (first !== undefined) {
      const sig = Buffer.from(first.sig, 'base64');
      sig[10] = (sig[10] ?? 0) ^ 0x01;
      first.sig = sig.toString('base64');
    }
  });
}
