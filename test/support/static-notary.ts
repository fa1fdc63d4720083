/**
 * A plain, static Notary-compatible server: serves fixed collections under the
 * notary-server routes (`<role>.json` and `<role>.<sha256>.json`), 404 for the
 * rest. Used to serve generated trust data to the real `notary` client and to
 * the auditor, so that what is measured is the auditor, not a fixture.
 */
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';

export interface StaticNotary {
  readonly url: string;
  /** Requests served, by path. */
  readonly requests: string[];
  setCollection(gun: string, files: ReadonlyMap<string, Uint8Array>): void;
  deleteCollection(gun: string): void;
  stop(): Promise<void>;
}

const ROUTE = /^\/v2\/(.+)\/_trust\/tuf\/(.+)\.json$/;

export async function startStaticNotary(): Promise<StaticNotary> {
  const paths = new Map<string, Uint8Array>();
  const byGun = new Map<string, string[]>();
  const requests: string[] = [];
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    requests.push(path);
    if (path === '/v2/' || path === '/v2') {
      // notary server.go: the ping the client sends first ("client is offline" otherwise).
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{}');
      return;
    }
    const body = ROUTE.test(path) ? paths.get(path) : undefined;
    if (body === undefined) {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end('{"errors":[{"code":"METADATA_NOT_FOUND","message":"You have requested metadata that does not exist.","detail":null}]}');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(body.length) });
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  const deleteCollection = (gun: string): void => {
    for (const path of byGun.get(gun) ?? []) {
      paths.delete(path);
    }
    byGun.delete(gun);
  };
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    setCollection(gun, files) {
      deleteCollection(gun);
      const added: string[] = [];
      for (const [role, bytes] of files) {
        const hash = createHash('sha256').update(bytes).digest('hex');
        for (const name of [`${role}.json`, `${role}.${hash}.json`]) {
          const path = `/v2/${gun}/_trust/tuf/${name}`;
          paths.set(path, bytes);
          added.push(path);
        }
      }
      byGun.set(gun, added);
    },
    deleteCollection,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
