/** The HTTP layer's bounds against real local servers: size, time, redirects, credentials. */
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { after, before, describe, it } from 'node:test';

import { Agent } from 'undici';

import { FetchError } from '../../src/lib/errors.js';
import { createHttpClient, type HttpClient } from '../../src/lib/http/http-client.js';
import { fetchFailure } from '../support/assertions.js';
import { freePort } from '../support/processes.js';

async function listen(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<{ server: Server; url: string }> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return { server, url: `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}` };
}

describe('createHttpClient', () => {
  const seen: { path: string; authorization: string | undefined }[] = [];
  let origin: { server: Server; url: string };
  let other: { server: Server; url: string };
  let dispatcher: Agent;
  let http: HttpClient;

  before(async () => {
    other = await listen((req, res) => {
      seen.push({ path: `other${req.url}`, authorization: req.headers.authorization });
      res.end('elsewhere');
    });
    origin = await listen((req, res) => {
      seen.push({ path: req.url ?? '', authorization: req.headers.authorization });
      switch (req.url) {
        case '/big':
          res.writeHead(200, { 'content-length': '2048' });
          res.end(Buffer.alloc(2048));
          return;
        case '/chunked':
          res.writeHead(200);
          res.write(Buffer.alloc(1000));
          res.end(Buffer.alloc(1000));
          return;
        case '/same-origin':
          res.writeHead(302, { location: '/small' });
          res.end();
          return;
        case '/cross-origin':
          res.writeHead(307, { location: `${other.url}/landed` });
          res.end();
          return;
        case '/loop':
          res.writeHead(302, { location: '/loop' });
          res.end();
          return;
        case '/drip': {
          res.writeHead(200, { 'content-length': '100' });
          res.write('x');
          const timer = setInterval(() => res.write('x'), 400);
          res.on('close', () => clearInterval(timer));
          return;
        }
        case '/hang':
          return; // answers nothing: only the timeout or the caller ends the request
        default:
          res.end('small');
      }
    });
    dispatcher = new Agent();
    http = createHttpClient({ dispatcher, userAgent: 'test', timeoutMs: 1000 });
  });

  after(async () => {
    await dispatcher.close();
    origin.server.closeAllConnections();
    other.server.closeAllConnections();
    origin.server.close();
    other.server.close();
  });

  it('refuses a declared body over the limit without reading it', async () => {
    const error = await fetchFailure(http.send(new URL('/big', origin.url), { maxBytes: 1024, what: 'big' }));

    assert.equal(error.code, 'TOO_LARGE');
  });

  it('stops a streamed body at the limit', async () => {
    const error = await fetchFailure(http.send(new URL('/chunked', origin.url), { maxBytes: 1500, what: 'chunked' }));

    assert.equal(error.code, 'TOO_LARGE');
  });

  it('truncates instead when asked (bodies with a known length and hash)', async () => {
    const response = await http.send(new URL('/chunked', origin.url), { maxBytes: 1500, what: 'chunked', onOverflow: 'truncate' });

    assert.equal(response.body.length, 1501);
  });

  it('keeps credentials on a same-origin redirect', async () => {
    const response = await http.send(new URL('/same-origin', origin.url), { maxBytes: 100, what: 'r', headers: { authorization: 'Basic c2VjcmV0' } });

    assert.equal(response.body.toString(), 'small');
    assert.equal(seen.find((s) => s.path === '/small')?.authorization, 'Basic c2VjcmV0');
  });

  it('drops credentials on a redirect to another origin', async () => {
    const response = await http.send(new URL('/cross-origin', origin.url), { maxBytes: 100, what: 'r', headers: { authorization: 'Basic c2VjcmV0' } });

    assert.equal(response.body.toString(), 'elsewhere');
    assert.equal(seen.find((s) => s.path === 'other/landed')?.authorization, undefined);
  });

  it('gives up on redirect loops', async () => {
    const error = await fetchFailure(http.send(new URL('/loop', origin.url), { maxBytes: 100, what: 'loop' }));

    assert.equal(error.code, 'REDIRECT');
  });

  it('times out a body that drips slower than the timeout allows', async () => {
    const error = await fetchFailure(http.send(new URL('/drip', origin.url), { maxBytes: 1000, what: 'drip' }));

    assert.equal(error.code, 'TIMEOUT');
    assert.match(error.message, /within 1000 ms/);
  });

  it("rejects with the caller's abort reason, not a TIMEOUT, and at once", async () => {
    for (const path of ['/hang', '/drip']) {
      const abort = new AbortController();
      const reason = new Error('shutdown');
      const started = Date.now();
      setTimeout(() => abort.abort(reason), 150);

      const error = await http.send(new URL(path, origin.url), { maxBytes: 1000, what: path, signal: abort.signal }).then(
        () => assert.fail(`${path} was not aborted`),
        (caught: unknown) => caught
      );

      assert.equal(error, reason, `${path}: the abort's own reason`);
      assert.ok(!(error instanceof FetchError), `${path}: not a FetchError (no TIMEOUT code, not retried, no source error)`);
      assert.ok(Date.now() - started < 900, `${path}: before the 1000 ms timeout`);
    }
  });

  it('carries an abort reason that is not an Error (a signal name) in an Error', async () => {
    const abort = new AbortController();
    setTimeout(() => abort.abort('SIGTERM'), 100);

    const error = await http.send(new URL('/hang', origin.url), { maxBytes: 1000, what: 'the Nexus repository list', signal: abort.signal }).then(
      () => assert.fail('not aborted'),
      (caught: unknown) => caught
    );

    assert.ok(error instanceof Error && !(error instanceof FetchError), String(error));
    assert.equal(error.message, 'the Nexus repository list: aborted (SIGTERM)');
    assert.equal(error.cause, 'SIGTERM');
    assert.doesNotMatch(error.message, /TIMEOUT|within/);
  });

  it('still reports its own timeout as TIMEOUT when the caller passed a signal', async () => {
    const abort = new AbortController();

    const error = await fetchFailure(http.send(new URL('/hang', origin.url), { maxBytes: 1000, what: 'hang', signal: abort.signal }));

    assert.equal(error.code, 'TIMEOUT');
    assert.match(error.message, /^hang: no complete answer from .* within 1000 ms$/);
  });

  it('reports a refused connection', async () => {
    const port = await freePort();

    const error = await fetchFailure(http.send(new URL(`http://127.0.0.1:${port}/`), { maxBytes: 100, what: 'refused' }));

    assert.equal(error.code, 'CONNECTION');
  });
});
