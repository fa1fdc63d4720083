/**
 * RegistryClient against the real reference registry (docker-registry, with
 * images pushed by skopeo) and, for the Nexus and hostile-server cases the
 * reference registry cannot produce, a small local node:http registry.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { after, before, describe, it } from 'node:test';

import { Agent } from 'undici';

import { createHttpClient, type HttpClient } from '../../src/lib/http/http-client.js';
import { RegistryClient } from '../../src/registry/registry-client.js';
import {
  OCI_INDEX,
  OCI_MANIFEST,
  pushWithSkopeo,
  skopeoDigest,
  skopeoRawManifest,
  startDockerRegistry,
  writeOciLayout,
  type DockerRegistry,
  type LayoutEntry,
} from '../support/docker-registry.js';
import { fetchFailure } from '../support/assertions.js';
import { makeTempDir } from '../support/temp.js';

function sha256(bytes: Buffer): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

/** Plain tags, two more on one manifest, and one index. */
const PLAIN_TAGS = ['1.0.0', '1.0.1', '2.1.0-rc.1'];
const SHARED_TAGS = ['latest', 'stable'];
const INDEX_TAG = 'multi';

describe('RegistryClient against the real docker-registry', () => {
  let registry: DockerRegistry;
  let layout: { path: string; remove(): Promise<void> };
  let dispatcher: Agent;
  let http: HttpClient;
  const client = (): RegistryClient => new RegistryClient({ baseUrl: registry.url, http });

  before(async () => {
    dispatcher = new Agent();
    http = createHttpClient({ dispatcher, userAgent: 'trust-auditor-test', timeoutMs: 10_000 });
    layout = await makeTempDir('oci-layout');
    registry = await startDockerRegistry();
    const entries: LayoutEntry[] = [
      ...PLAIN_TAGS.map((tag): LayoutEntry => ({ ref: tag, kind: 'image', content: `team/app ${tag}\n` })),
      { ref: 'shared', kind: 'image', content: 'team/app shared\n' },
      {
        ref: INDEX_TAG,
        kind: 'index',
        images: [
          { platform: { os: 'linux', architecture: 'amd64' }, content: 'multi amd64\n' },
          { platform: { os: 'linux', architecture: 'arm64' }, content: 'multi arm64\n' },
        ],
      },
      { ref: 'solo', kind: 'image', content: 'solo\n' },
    ];
    await writeOciLayout(layout.path, entries);
    for (const tag of PLAIN_TAGS) {
      await pushWithSkopeo(registry, layout.path, tag, 'team/app', tag);
    }
    for (const tag of SHARED_TAGS) {
      await pushWithSkopeo(registry, layout.path, 'shared', 'team/app', tag);
    }
    await pushWithSkopeo(registry, layout.path, INDEX_TAG, 'team/app', INDEX_TAG);
    await pushWithSkopeo(registry, layout.path, 'solo', 'solo', '1');
  });

  after(async () => {
    await registry?.stop();
    await layout?.remove();
    await dispatcher?.close();
  });

  it('digests of plain manifests equal what skopeo reports, for each tag', async () => {
    const registryClient = client();
    for (const tag of ['1.0.0', '2.1.0-rc.1', ...SHARED_TAGS]) {
      const expected = await skopeoDigest(registry, 'team/app', tag);
      const raw = await skopeoRawManifest(registry, 'team/app', tag);
      assert.equal(sha256(raw), expected, 'skopeo --raw and --format {{.Digest}} agree');
      const descriptor = await registryClient.getManifestDescriptor('team/app', tag);
      assert.deepEqual(descriptor, { digest: expected, size: raw.length, mediaType: OCI_MANIFEST }, tag);
    }
    // HEAD alone answers on the reference registry: one request per tag.
    assert.equal(registryClient.requests, 4);
    const latest = await registryClient.getManifestDescriptor('team/app', 'latest');
    const stable = await registryClient.getManifestDescriptor('team/app', 'stable');
    const other = await registryClient.getManifestDescriptor('team/app', '1.0.1');
    assert.equal(latest?.digest, stable?.digest, 'two tags on one manifest share a digest');
    assert.notEqual(latest?.digest, other?.digest);
  });

  it('keeps an OCI index as an index (no platform pick, no conversion)', async () => {
    const raw = await skopeoRawManifest(registry, 'team/app', INDEX_TAG);
    assert.equal((JSON.parse(raw.toString('utf8')) as { mediaType: string }).mediaType, OCI_INDEX);
    const expected = await skopeoDigest(registry, 'team/app', INDEX_TAG);
    assert.equal(sha256(raw), expected);
    const descriptor = await client().getManifestDescriptor('team/app', INDEX_TAG);
    assert.deepEqual(descriptor, { digest: expected, size: raw.length, mediaType: OCI_INDEX });
  });

  it('an unknown tag or image has no manifest', async () => {
    const registryClient = client();
    assert.equal(await registryClient.getManifestDescriptor('team/app', 'no-such-tag'), undefined);
    assert.equal(await registryClient.getManifestDescriptor('team/never-pushed', 'latest'), undefined);
    // HEAD 404 carries no error body, so GET confirms MANIFEST_UNKNOWN each time.
    assert.equal(registryClient.requests, 4);
  });

  it('rejects image names and tags outside the reference grammar before sending anything', async () => {
    const registryClient = client();
    for (const image of ['Team/App', '../etc', 'team//app', 'team/app/', 'a/../b', 'app?x=1', 'app#x', '-app', 'a'.repeat(256), '']) {
      const error = await fetchFailure(registryClient.getManifestDescriptor(image, '1'));
      assert.equal(error.code, 'MALFORMED', image);
      assert.match(error.message, /not a valid image name/);
    }
    for (const tag of ['.hidden', '-x', 'a/b', 'a:b', '', 'x'.repeat(129), 'sha256:abc', '..']) {
      const error = await fetchFailure(registryClient.getManifestDescriptor('team/app', tag));
      assert.equal(error.code, 'MALFORMED', tag);
    }
    assert.equal(registryClient.requests, 0);
  });
});

describe('RegistryClient against the real docker-registry with htpasswd Basic auth', () => {
  const credentials = { username: 'auditor', password: 'correct horse battery staple' };
  let registry: DockerRegistry;
  let layout: { path: string; remove(): Promise<void> };
  let dispatcher: Agent;
  let http: HttpClient;

  before(async () => {
    dispatcher = new Agent();
    http = createHttpClient({ dispatcher, userAgent: 'trust-auditor-test', timeoutMs: 10_000 });
    layout = await makeTempDir('oci-layout-auth');
    registry = await startDockerRegistry({ basicAuth: credentials });
    await writeOciLayout(layout.path, [{ ref: 'v1', kind: 'image', content: 'private\n' }]);
    await pushWithSkopeo(registry, layout.path, 'v1', 'private/app', 'v1');
  });

  after(async () => {
    await registry?.stop();
    await layout?.remove();
    await dispatcher?.close();
  });

  it('answers the Basic challenge with the configured credentials', async () => {
    const registryClient = new RegistryClient({ baseUrl: registry.url, http, credentials });
    const expected = await skopeoDigest(registry, 'private/app', 'v1');
    assert.equal((await registryClient.getManifestDescriptor('private/app', 'v1'))?.digest, expected);
    assert.equal((await registryClient.getManifestDescriptor('private/app', 'v1'))?.digest, expected);
    // 401 + retry, then the cached Authorization goes first for the same image.
    assert.equal(registryClient.requests, 3);
  });

  it('fails with AUTH, naming the image and never the password, on wrong credentials', async () => {
    const registryClient = new RegistryClient({ baseUrl: registry.url, http, credentials: { username: 'auditor', password: 'wrong' } });
    const error = await fetchFailure(registryClient.getManifestDescriptor('private/app', 'v1'));
    assert.equal(error.code, 'AUTH');
    assert.equal(error.status, 401);
    assert.match(error.message, /manifest of private\/app:v1/);
    assert.match(error.message, /credentials were refused/);
    assert.doesNotMatch(error.message, /wrong|correct horse/);
  });

  it('fails with AUTH without credentials', async () => {
    const error = await fetchFailure(new RegistryClient({ baseUrl: registry.url, http }).getManifestDescriptor('private/app', 'v1'));
    assert.equal(error.code, 'AUTH');
    assert.match(error.message, /no credentials are configured/);
  });
});

/* ---------- Nexus quirks and hostile servers, from a local registry ---------- */

interface Hit {
  readonly method: string;
  readonly url: string;
  readonly authorization: string | undefined;
}

const MANIFEST_BODY = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST, config: {}, layers: [] }));

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

function errors(code: string, message: string): unknown {
  return { errors: [{ code, message, detail: null }] };
}

describe('RegistryClient manifest edge cases (local server)', () => {
  const hits: Hit[] = [];
  let server: Server;
  let base: string;
  let dispatcher: Agent;
  let http: HttpClient;

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const url = new URL(req.url ?? '/', base);
    hits.push({ method: req.method ?? '', url: `${url.pathname}${url.search}`, authorization: req.headers.authorization });
    switch (url.pathname) {
      case '/v2/broken/manifests/1':
        json(res, 503, errors('UNAVAILABLE', 'service unavailable'));
        return;
      case '/v2/private/manifests/1':
        if (req.headers.authorization === 'Bearer t0ken') {
          res.writeHead(200, { 'content-type': OCI_MANIFEST, 'docker-content-digest': sha256(MANIFEST_BODY), 'content-length': String(MANIFEST_BODY.length) });
          res.end(req.method === 'HEAD' ? undefined : MANIFEST_BODY);
        } else {
          json(res, 401, errors('UNAUTHORIZED', 'authentication required'), {
            'www-authenticate': `Bearer realm="${base}/token",service="local",scope="repository:private:pull"`,
          });
        }
        return;
      case '/token':
        json(res, 200, { token: 't0ken' });
        return;
      case '/v2/headless/manifests/good':
      case '/v2/headless/manifests/no-digest':
      case '/v2/headless/manifests/lying': {
        // Nexus: HEAD 404 while GET 200 (andrey-pohilko/registry-cli#14, crazy-max/diun#1614).
        if (req.method === 'HEAD') {
          res.writeHead(404);
          res.end();
          return;
        }
        const tag = url.pathname.split('/').pop();
        const headers: Record<string, string> = { 'content-type': tag === 'no-digest' ? 'application/json' : OCI_MANIFEST };
        if (tag === 'good') {
          headers['docker-content-digest'] = sha256(MANIFEST_BODY);
        } else if (tag === 'lying') {
          headers['docker-content-digest'] = sha256(Buffer.from('something else'));
        }
        res.writeHead(200, headers);
        res.end(MANIFEST_BODY);
        return;
      }
      case '/v2/headless/manifests/broken':
        if (req.method === 'HEAD') {
          res.writeHead(404);
          res.end();
        } else {
          json(res, 503, errors('UNAVAILABLE', 'service unavailable'));
        }
        return;
      case '/v2/headless/manifests/gone':
        if (req.method === 'HEAD') {
          res.writeHead(404);
          res.end();
        } else {
          json(res, 404, errors('MANIFEST_UNKNOWN', 'manifest unknown'));
        }
        return;
      case '/v2/headless/manifests/wrong-base':
        res.writeHead(404, { 'content-type': 'text/html' });
        res.end(req.method === 'HEAD' ? undefined : '<html>Not Found</html>');
        return;
      case '/v2/partial-head/manifests/1':
        // HEAD with a digest but no Content-Type: not enough, so GET.
        res.writeHead(200, req.method === 'HEAD' ? { 'docker-content-digest': sha256(MANIFEST_BODY), 'content-length': String(MANIFEST_BODY.length) } : { 'content-type': OCI_MANIFEST });
        res.end(req.method === 'HEAD' ? undefined : MANIFEST_BODY);
        return;
      default:
        json(res, 404, errors('NAME_UNKNOWN', 'repository name not known to registry'));
    }
  };

  const client = (): RegistryClient => new RegistryClient({ baseUrl: new URL(`${base}/`), http, credentials: { username: 'u', password: 'p' } });

  before(async () => {
    server = createServer(handle);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    base = `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`;
    dispatcher = new Agent();
    http = createHttpClient({ dispatcher, userAgent: 'trust-auditor-test', timeoutMs: 5000 });
  });

  after(async () => {
    await dispatcher?.close();
    await new Promise<void>((resolve) => (server === undefined ? resolve() : server.close(() => resolve())));
  });

  const hitsDuring = async <T>(work: () => Promise<T>): Promise<{ result: T; hits: Hit[] }> => {
    const start = hits.length;
    const result = await work();
    return { result, hits: hits.slice(start) };
  };

  it('maps statuses to FetchError codes, with the errcode of the body when there is one', async () => {
    const headOnly = await fetchFailure(client().getManifestDescriptor('broken', '1'));
    assert.equal(headOnly.code, 'HTTP_5XX');
    assert.match(headOnly.message, /^manifest of broken:1: http:\/\/127\.0\.0\.1:\d+\/v2\/broken\/manifests\/1 answered HTTP 503$/);
    const withBody = await fetchFailure(client().getManifestDescriptor('headless', 'broken'));
    assert.equal(withBody.code, 'HTTP_5XX');
    assert.match(withBody.message, /^manifest of headless:broken: http:\/\/127\.0\.0\.1:\d+\/v2\/headless\/manifests\/broken answered HTTP 503: UNAVAILABLE \(service unavailable\)$/);
  });

  it('answers a Bearer challenge and counts the token request', async () => {
    const registryClient = client();
    const { result: descriptor, hits: seen } = await hitsDuring(() => registryClient.getManifestDescriptor('private', '1'));
    assert.equal(descriptor?.digest, sha256(MANIFEST_BODY));
    assert.deepEqual(
      seen.map((hit) => hit.url.split('?')[0]),
      ['/v2/private/manifests/1', '/token', '/v2/private/manifests/1']
    );
    assert.equal(seen[1]?.authorization, `Basic ${Buffer.from('u:p').toString('base64')}`);
    assert.equal(registryClient.requests, 3);
  });

  it('takes the digest from the GET body when HEAD answers 404', async () => {
    const registryClient = client();
    const { result: descriptor, hits: seen } = await hitsDuring(() => registryClient.getManifestDescriptor('headless', 'good'));
    assert.deepEqual(descriptor, { digest: sha256(MANIFEST_BODY), size: MANIFEST_BODY.length, mediaType: OCI_MANIFEST });
    assert.deepEqual(
      seen.map((hit) => hit.method),
      ['HEAD', 'GET']
    );
  });

  it('hashes the GET body when there is no Docker-Content-Digest, taking the media type from the body', async () => {
    const descriptor = await client().getManifestDescriptor('headless', 'no-digest');
    assert.deepEqual(descriptor, { digest: sha256(MANIFEST_BODY), size: MANIFEST_BODY.length, mediaType: OCI_MANIFEST });
  });

  it('falls back to GET when HEAD lacks a Content-Type', async () => {
    const { result: descriptor, hits: seen } = await hitsDuring(() => client().getManifestDescriptor('partial-head', '1'));
    assert.equal(descriptor?.mediaType, OCI_MANIFEST);
    assert.deepEqual(
      seen.map((hit) => hit.method),
      ['HEAD', 'GET']
    );
  });

  it('fails when the body does not match Docker-Content-Digest', async () => {
    const error = await fetchFailure(client().getManifestDescriptor('headless', 'lying'));
    assert.equal(error.code, 'MALFORMED');
    assert.match(error.message, /manifest of headless:lying: .*hashes to sha256:[0-9a-f]{64}, but Docker-Content-Digest says sha256:/);
  });

  it('undefined for MANIFEST_UNKNOWN; an error for a 404 that is not from a registry', async () => {
    assert.equal(await client().getManifestDescriptor('headless', 'gone'), undefined);
    const error = await fetchFailure(client().getManifestDescriptor('headless', 'wrong-base'));
    assert.equal(error.code, 'HTTP_4XX');
  });
});
