/**
 * Credentials answer only the configured origin's own challenge, and reach a
 * token realm on another host only when the configuration names that host.
 * Every server is a loopback server of the test; "another host" is another port.
 */
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { after, before, beforeEach, describe, it } from 'node:test';

import { Agent } from 'undici';

import { FetchError } from '../../src/lib/errors.js';
import { createHttpClient } from '../../src/lib/http/http-client.js';
import { NotaryFetcher } from '../../src/notary/notary-fetcher.js';
import { listenOnLoopback } from '../support/processes.js';

const CREDENTIALS = { username: 'notary-reader', password: 'notary-PW-origin' };
const BASIC = 'Basic ' + Buffer.from(`${CREDENTIALS.username}:${CREDENTIALS.password}`).toString('base64');
const GUN = 'registry.example:5000/app';

interface Recorder {
  readonly url: string;
  readonly host: string;
  /** `path authorization` of every request. */
  readonly seen: string[];
  handle: (req: IncomingMessage, res: ServerResponse) => void;
  close(): Promise<void>;
}

async function recorder(): Promise<Recorder> {
  const self: { handle: Recorder['handle'] } = { handle: (_req, res) => res.writeHead(404).end() };
  const seen: string[] = [];
  const server: Server = createServer((req, res) => {
    seen.push(`${req.url ?? ''} ${req.headers.authorization ?? '-'}`);
    self.handle(req, res);
  });
  const url = await listenOnLoopback(server);
  return Object.assign(self, {
    url,
    host: new URL(url).host,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
}

describe('whose challenge the credentials answer', () => {
  let notary: Recorder;
  let other: Recorder;
  const dispatcher = new Agent();

  before(async () => {
    notary = await recorder();
    other = await recorder();
  });

  beforeEach(() => {
    notary.seen.length = 0;
    other.seen.length = 0;
  });

  after(async () => {
    await dispatcher.close();
    await notary?.close();
    await other?.close();
  });

  const fetchTimestamp = async (tokenRealmHosts: string[] = []): Promise<string> => {
    const http = createHttpClient({ dispatcher, userAgent: 'trust-auditor-test', timeoutMs: 5_000 });
    const fetcher = new NotaryFetcher({ baseUrl: new URL(notary.url), http, credentials: CREDENTIALS, tokenRealmHosts });
    try {
      const body = await fetcher.fetchTimestamp(GUN);
      return body === undefined ? 'absent' : Buffer.from(body).toString('utf8');
    } catch (error) {
      assert.ok(error instanceof FetchError, String(error));
      return `${error.code}: ${error.message}`;
    }
  };

  /** Serves the timestamp to a request carrying `authorization`, else a challenge. */
  const guarded = (authorization: string, challenge: string) => (req: IncomingMessage, res: ServerResponse) => {
    if (req.headers.authorization === authorization) {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    } else {
      res.writeHead(401, { 'www-authenticate': challenge }).end();
    }
  };

  it('a redirect to another origin that answers with a Bearer challenge gets no credentials, nor does its realm', async () => {
    notary.handle = (_req, res) => res.writeHead(302, { location: `${other.url}/elsewhere` }).end();
    other.handle = (req, res) => {
      if (req.url?.startsWith('/token') === true) {
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"token":"stolen"}');
      } else {
        guarded('Bearer stolen', `Bearer realm="${other.url}/token",service="evil"`)(req, res);
      }
    };

    const result = await fetchTimestamp();

    assert.match(result, /^AUTH: /);
    assert.deepEqual(other.seen, ['/elsewhere -']);
  });

  it('a redirect to another origin that answers with a Basic challenge gets no credentials', async () => {
    notary.handle = (_req, res) => res.writeHead(302, { location: `${other.url}/elsewhere` }).end();
    other.handle = guarded(BASIC, 'Basic realm="evil"');

    const result = await fetchTimestamp();

    assert.match(result, /^AUTH: /);
    assert.ok(
      other.seen.every((line) => line.endsWith(' -')),
      other.seen.join('\n')
    );
  });

  it("the configured origin's own realm gets the credentials, and the token gets the file", async () => {
    notary.handle = (req, res) => {
      if (req.url?.startsWith('/token') === true) {
        const ok = req.headers.authorization === BASIC;
        res.writeHead(ok ? 200 : 401, { 'content-type': 'application/json' }).end(ok ? '{"token":"fair"}' : '{}');
      } else {
        guarded('Bearer fair', `Bearer realm="${notary.url}/token",service="notary"`)(req, res);
      }
    };

    assert.equal(await fetchTimestamp(), '{"ok":true}');
  });

  it('a realm on another host gets the credentials only when tokenRealmHosts names it', async () => {
    notary.handle = guarded('Bearer from-auth-server', `Bearer realm="${other.url}/token",service="notary"`);
    other.handle = (req, res) => {
      const ok = req.headers.authorization === BASIC;
      res.writeHead(ok ? 200 : 401, { 'content-type': 'application/json' }).end(ok ? '{"token":"from-auth-server"}' : '{}');
    };

    const refused = await fetchTimestamp();
    const refusedSeen = [...other.seen];
    const allowed = await fetchTimestamp([other.host]);

    assert.match(refused, /^AUTH: .*refusing to send credentials to token realm .* on another host/);
    assert.deepEqual(refusedSeen, []);
    assert.equal(allowed, '{"ok":true}');
    assert.ok(other.seen.some((line) => line.endsWith(BASIC)));
  });
});
