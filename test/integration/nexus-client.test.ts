/** The Nexus REST client against the faithful Nexus test server, and against a misbehaving one. */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { after, before, describe, it } from 'node:test';

import { Agent } from 'undici';

import { fixedClock } from '../../src/lib/clock.js';
import { FetchError } from '../../src/lib/errors.js';
import { createHttpClient } from '../../src/lib/http/http-client.js';
import { NexusClient, type NexusClientOptions } from '../../src/nexus/nexus-client.js';
import type { NexusTag } from '../../src/nexus/schema.js';
import { makeManifest } from '../support/nexus/model.js';
import { startNexusServer } from '../support/nexus/server.js';
import type { FakeNexus } from '../support/nexus/types.js';

async function collect(client: NexusClient, repository: string): Promise<{ tags: NexusTag[]; pages: number }> {
  const tags: NexusTag[] = [];
  let pages = 0;
  for await (const page of client.listTags(repository)) {
    pages++;
    tags.push(...page.tags);
  }
  return { tags, pages };
}

describe('NexusClient', () => {
  const dispatcher = new Agent();
  const http = createHttpClient({ dispatcher, userAgent: 'test', timeoutMs: 5000 });
  const client = (nexus: { url: string }, extra: Partial<NexusClientOptions> = {}): NexusClient =>
    new NexusClient({ baseUrl: new URL(nexus.url), http, credentials: { username: 'auditor', password: 'pw' }, sleep: async () => undefined, ...extra });
  let datastore: FakeNexus;
  let orient: FakeNexus;
  const digests = new Map<string, string>();

  before(async () => {
    datastore = await startNexusServer({ users: { auditor: { password: 'pw', admin: true } } });
    orient = await startNexusServer({ flavour: 'orientdb', users: { auditor: { password: 'pw', admin: true } } });
    for (const nexus of [datastore, orient]) {
      nexus.addRepository({ name: 'docker-hosted', type: 'hosted', docker: { httpPort: 18079 } });
      nexus.addRepository({ name: 'docker-path', type: 'hosted', docker: { pathEnabled: true, httpPort: null } });
      nexus.addRepository({ name: 'maven-releases', type: 'hosted', format: 'maven2' });
      for (let i = 0; i < 250; i++) {
        const { digest } = nexus.putTag('docker-hosted', `team/app${i % 7}`, `v${i}`, makeManifest(`tag-${i}`));
        digests.set(`team/app${i % 7}:v${i}`, digest);
      }
    }
  });

  after(async () => {
    await datastore.stop();
    await orient.stop();
    await dispatcher.close();
  });

  it('lists every tag with the digest Nexus computed, following continuation tokens (datastore: 100 per page)', async () => {
    const { tags, pages } = await collect(client(datastore), 'docker-hosted');

    assert.equal(tags.length, 250);
    assert.equal(pages, 3);
    for (const tag of tags) {
      assert.equal(tag.digest, digests.get(`${tag.image}:${tag.tag}`));
      assert.ok((tag.size ?? 0) > 0);
    }
  });

  it('reads the OrientDB flavour (10 per page, paths without a leading slash, group null)', async () => {
    const { tags, pages } = await collect(client(orient), 'docker-hosted');

    assert.equal(tags.length, 250);
    assert.equal(pages, 26, '25 full pages, then the empty one a full last page always brings');
    assert.ok(tags.every((tag) => tag.digest === digests.get(`${tag.image}:${tag.tag}`)));
  });

  it('lists only Docker repositories and derives GUN prefixes from their connectors', async () => {
    const nexus = client(datastore);

    const repositories = await nexus.listDockerRepositories();

    assert.deepEqual(repositories.map((r) => r.name).sort(), ['docker-hosted', 'docker-path']);
    const byName = new Map(repositories.map((r) => [r.name, r]));
    assert.equal(await nexus.gunPrefixOf(byName.get('docker-hosted') as never), '127.0.0.1:18079');
    assert.equal(await nexus.gunPrefixOf(byName.get('docker-path') as never), '127.0.0.1/docker-path');
  });

  it('sends Basic credentials up front: no request is wasted on a 401 (Community Edition budget)', async () => {
    const before = datastore.requests.length;
    const nexus = client(datastore);

    await collect(nexus, 'docker-hosted');

    const sent = datastore.requests.slice(before);
    assert.equal(sent.length, nexus.requests);
    assert.ok(sent.every((request) => request.authorized && request.status === 200));
  });

  it('retries a 503 with back-off and counts every attempt', async () => {
    const delays: number[] = [];
    datastore.setOutage(503);
    const nexus = client(datastore, {
      sleep: async (ms) => {
        delays.push(ms);
        if (delays.length === 2) {
          datastore.setOutage(undefined);
        }
      },
    });

    const repositories = await nexus.listDockerRepositories();

    assert.equal(repositories.length, 2);
    assert.equal(delays.length, 2);
    assert.equal(nexus.requests, 3);
    assert.ok((delays[1] ?? 0) >= (delays[0] ?? 0) / 2);
  });

  it('gives up after the retries with the last error', async () => {
    datastore.setOutage(502);
    try {
      await assert.rejects(client(datastore).listDockerRepositories(), (error: unknown) => error instanceof FetchError && error.code === 'HTTP_5XX');
    } finally {
      datastore.setOutage(undefined);
    }
  });

  it('reports wrong credentials as AUTH without retrying', async () => {
    const nexus = new NexusClient({ baseUrl: new URL(datastore.url), http, credentials: { username: 'auditor', password: 'nope' }, sleep: async () => undefined });

    await assert.rejects(nexus.listDockerRepositories(), (error: unknown) => error instanceof FetchError && error.code === 'AUTH' && !error.message.includes('nope'));
    assert.equal(nexus.requests, 1);
  });

  it('says what to check when Nexus refuses the login (401): the credentials, the account, its realm', async () => {
    const nexus = new NexusClient({ baseUrl: new URL(datastore.url), http, credentials: { username: 'auditor', password: 'wrong-pw-42' }, sleep: async () => undefined });

    const error = await nexus.listDockerRepositories().then(
      () => assert.fail('the wrong password was accepted'),
      (caught: unknown) => caught
    );

    assert.ok(error instanceof FetchError && error.code === 'AUTH' && error.status === 401, String(error));
    assert.match(error.message, /^the Nexus repository list: Nexus refused the login of user "auditor" \(HTTP 401\); /);
    for (const hint of ['nexus.username', 'nexus.password', 'nexus.passwordFile', 'the account exists and is active', 'realm', 'Security > Realms']) {
      assert.ok(error.message.includes(hint), `${hint}: ${error.message}`);
    }
    assert.ok(!error.message.includes('wrong-pw-42'));
  });

  it('says that anonymous access is off when no credentials are configured and Nexus asks for a login', async () => {
    const nexus = new NexusClient({ baseUrl: new URL(datastore.url), http, sleep: async () => undefined });

    await assert.rejects(nexus.listDockerRepositories(), (error: unknown) => {
      assert.ok(error instanceof FetchError && error.code === 'AUTH' && error.status === 401, String(error));
      assert.match(error.message, /Nexus requires a login \(HTTP 401\) and no credentials are configured, so its anonymous access is off; set nexus\.username and nexus\.password/);
      assert.match(error.message, /nx-repository-view-\*-\*-browse and nx-repository-view-\*-\*-read/);
      assert.match(error.message, /Anonymous Access/);
      return true;
    });
  });

  it('names the missing privileges when the account may not browse a repository (403)', async () => {
    const nexus = await startNexusServer({ users: { reader: { password: 'pw', repositories: ['other'] } } });
    try {
      nexus.addRepository({ name: 'docker-hosted', type: 'hosted', docker: { httpPort: 18079 } });
      const limited = new NexusClient({ baseUrl: new URL(nexus.url), http, credentials: { username: 'reader', password: 'pw' }, sleep: async () => undefined });

      await assert.rejects(collect(limited, 'docker-hosted'), (error: unknown) => {
        assert.ok(error instanceof FetchError && error.code === 'AUTH' && error.status === 403, String(error));
        assert.match(
          error.message,
          /Nexus denied user "reader" \(HTTP 403\): the login is accepted but the account lacks privileges; give it a role with nx-repository-view-\*-\*-browse and nx-repository-view-\*-\*-read/
        );
        return true;
      });
    } finally {
      await nexus.stop();
    }
  });

  describe('against a server that misbehaves', () => {
    let server: Server;
    let url: string;
    let mode: 'repeat' | 'endless' | 'garbage' | 'busy' = 'repeat';
    let askedToWait = false;

    before(async () => {
      let counter = 0;
      server = createServer((_req, res) => {
        if (mode === 'busy') {
          // One 503 asking to come back at a date, then an empty repository list.
          res.writeHead(askedToWait ? 200 : 503, askedToWait ? { 'content-type': 'application/json' } : { 'retry-after': 'Tue, 01 Jan 2030 00:00:03 GMT' });
          res.end(askedToWait ? '[]' : '');
          askedToWait = true;
          return;
        }
        res.writeHead(200, { 'content-type': 'application/json' });
        const item = { name: 'app', version: `v${counter++}`, assets: [] };
        if (mode === 'garbage') {
          res.end('<html>proxy error</html>');
        } else {
          res.end(JSON.stringify({ items: [item], continuationToken: mode === 'repeat' ? 'same-token' : `token-${counter}` }));
        }
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const address = server.address();
      url = `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`;
    });

    after(() => new Promise<void>((resolve) => server.close(() => resolve())));

    it('stops when a continuation token repeats instead of looping', async () => {
      mode = 'repeat';

      await assert.rejects(collect(client({ url }), 'r'), /repeated continuationToken/);
    });

    it('stops at the page cap', async () => {
      mode = 'endless';

      await assert.rejects(collect(client({ url }, { maxPages: 5 }), 'r'), (error: unknown) => error instanceof FetchError && error.code === 'TOO_LARGE');
    });

    it('measures a Retry-After date from the injected clock, with the injected jitter', async () => {
      mode = 'busy';
      askedToWait = false;
      const delays: number[] = [];
      const nexus = client(
        { url },
        {
          clock: fixedClock(new Date('2030-01-01T00:00:00Z')),
          random: () => 0,
          retry: { retries: 1, baseDelayMs: 10, maxDelayMs: 5_000 },
          sleep: async (ms) => void delays.push(ms),
        }
      );

      assert.deepEqual(await nexus.listDockerRepositories(), []);
      assert.deepEqual(delays, [3_000]);
      assert.equal(nexus.requests, 2);
    });

    it('reports a body that is not JSON as MALFORMED', async () => {
      mode = 'garbage';

      await assert.rejects(collect(client({ url }), 'r'), (error: unknown) => error instanceof FetchError && error.code === 'MALFORMED');
    });
  });
});
