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
  /** Paths requested so far. */
  readonly requests: string[];
  setTamper(tamper: Tamper | undefined): void;
  stop(): Promise<void>;
}

const PASS_THROUGH: Tamper = (_path, forward) => forward();

export async function startTamperProxy(upstream: string): Promise<TamperProxy> {
  let tamper: Tamper = PASS_THROUGH;
  const requests: string[] = [];
  const server: Server = createServer((req, res) => {
    const path = req.url ?? '/';
    requests.push(path);
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
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    setTamper(next) {
      tamper = next ?? PASS_THROUGH;
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
