import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { MockAgent } from 'undici';

import { FetchError } from '../../../src/lib/errors.js';
import { createHttpClient, type HttpClient, type HttpRequest } from '../../../src/lib/http/http-client.js';
import { CHANGEFEED_PAGE_RECORDS, NotaryChangefeed } from '../../../src/notary/changefeed.js';

const BASE = new URL('http://notary.test:4443/');
const SHA = 'b3a260383135338c0926146f9f44d8d54ae049a85e55b322a89d432dbdba5a26';

interface FakeChange {
  readonly id: number;
  readonly gun: string;
}

/** The memory store's GetChanges over `changes` (notary server/storage/memory.go), as an HttpClient. */
function fakeNotary(changes: readonly FakeChange[], seen: URL[] = []): HttpClient {
  return {
    send: async (url: URL, request: HttpRequest) => {
      seen.push(url);
      assert.equal(request.maxBytes, 1024 * 1024);
      const records = Number(url.searchParams.get('records'));
      const changeId = Number(url.searchParams.get('change_id'));
      let selected: readonly FakeChange[];
      if (changeId < 0 || records < 0) {
        selected = changes.slice(-Math.abs(records));
      } else {
        selected = changes.filter((change) => change.id > changeId).slice(0, records);
      }
      return { status: 200, headers: {}, body: pageBody(selected), url };
    },
  };
}

function pageBody(changes: readonly FakeChange[]): Buffer {
  const records = changes.map((change) => ({
    ID: String(change.id),
    CreatedAt: '2026-11-30T02:41:56.627249851Z',
    GUN: change.gun,
    Version: 1,
    SHA256: SHA,
    Category: 'update',
  }));
  return Buffer.from(JSON.stringify({ count: records.length, records: records.length === 0 ? null : records }));
}

function changes(count: number): FakeChange[] {
  return Array.from({ length: count }, (_, index) => ({ id: index + 1, gun: `registry.test/app-${index % 7}` }));
}

async function rejectsWith(promise: Promise<unknown>, code: string, message?: RegExp): Promise<FetchError> {
  let caught: unknown;
  await assert.rejects(promise, (error: unknown) => {
    caught = error;
    return true;
  });
  assert.ok(caught instanceof FetchError, String(caught));
  assert.equal(caught.code, code, caught.message);
  if (message !== undefined) {
    assert.match(caught.message, message);
  }
  return caught;
}

describe('NotaryChangefeed', () => {
  it('asks for the newest record with change_id=-1&records=-1; undefined for an empty feed', async () => {
    const seen: URL[] = [];
    assert.equal(await new NotaryChangefeed({ baseUrl: BASE, http: fakeNotary([], seen) }).latestId(), undefined);
    const feed = new NotaryChangefeed({ baseUrl: BASE, http: fakeNotary(changes(42), seen) });
    assert.equal(await feed.latestId(), 42);
    assert.equal(feed.requests, 1);
    assert.deepEqual(
      seen.map((url) => url.href),
      ['http://notary.test:4443/v2/_trust/changefeed?change_id=-1&records=-1', 'http://notary.test:4443/v2/_trust/changefeed?change_id=-1&records=-1']
    );
  });

  it('pages with records=100 after the ID given, until a short page', async () => {
    const seen: URL[] = [];
    const feed = new NotaryChangefeed({ baseUrl: BASE, http: fakeNotary(changes(250), seen) });
    const batch = await feed.changesAfter(20);
    assert.equal(batch.records.length, 230);
    assert.equal(batch.records[0]?.id, 21);
    assert.equal(batch.lastId, 250);
    assert.equal(batch.caughtUp, true);
    assert.deepEqual(
      seen.map((url) => [url.searchParams.get('change_id'), url.searchParams.get('records')]),
      [
        ['20', '100'],
        ['120', '100'],
        ['220', '100'],
      ]
    );
  });

  it('asks once more after a full page, and answers the same ID when nothing is new', async () => {
    const seen: URL[] = [];
    const feed = new NotaryChangefeed({ baseUrl: BASE, http: fakeNotary(changes(CHANGEFEED_PAGE_RECORDS), seen) });
    const batch = await feed.changesAfter(0);
    assert.equal(batch.records.length, 100);
    assert.equal(seen.length, 2);
    assert.deepEqual(await feed.changesAfter(100), { records: [], lastId: 100, skipped: 0, caughtUp: true });
  });

  it('stops at the page cap and says it has not caught up', async () => {
    const seen: URL[] = [];
    const feed = new NotaryChangefeed({ baseUrl: BASE, http: fakeNotary(changes(1000), seen), maxPages: 3 });
    const batch = await feed.changesAfter(0);
    assert.equal(batch.records.length, 300);
    assert.equal(batch.lastId, 300);
    assert.equal(batch.caughtUp, false);
    assert.equal(seen.length, 3);
  });

  it('moves past skipped records and counts them', async () => {
    const feed = new NotaryChangefeed({
      baseUrl: BASE,
      http: fakeNotary([
        { id: 1, gun: 'registry.test/ok' },
        { id: 2, gun: '../../etc' },
        { id: 3, gun: 'registry.test/BAD' },
      ]),
    });
    const batch = await feed.changesAfter(0);
    assert.deepEqual(
      batch.records.map((record) => record.gun),
      ['registry.test/ok']
    );
    assert.equal(batch.skipped, 2);
    assert.equal(batch.lastId, 3);
  });

  it('refuses a server that sends records at or before the ID asked for (it would loop)', async () => {
    const repeating: HttpClient = { send: async (url) => ({ status: 200, headers: {}, body: pageBody([{ id: 5, gun: 'registry.test/a' }]), url }) };
    await rejectsWith(new NotaryChangefeed({ baseUrl: BASE, http: repeating }).changesAfter(5), 'MALFORMED', /after ID 5, the server sent ID 5/);
    await rejectsWith(new NotaryChangefeed({ baseUrl: BASE, http: repeating }).changesAfter(9), 'MALFORMED', /after ID 9/);
  });

  it('refuses more than one record for the newest', async () => {
    const many: HttpClient = { send: async (url) => ({ status: 200, headers: {}, body: pageBody(changes(2)), url }) };
    await rejectsWith(new NotaryChangefeed({ baseUrl: BASE, http: many }).latestId(), 'MALFORMED', /newest record/);
  });

  it('makes a malformed page a MALFORMED FetchError that names the feed', async () => {
    const garbage: HttpClient = { send: async (url) => ({ status: 200, headers: {}, body: Buffer.from('{"count":1,"records":[{"ID":7}]}'), url }) };
    await rejectsWith(new NotaryChangefeed({ baseUrl: BASE, http: garbage }).changesAfter(0), 'MALFORMED', /^the changefeed: record 0: "ID"/);
  });

  it('maps error statuses to FetchError codes with the server message', async () => {
    const answering = (status: number): HttpClient => ({
      send: async (url) => ({ status, headers: {}, body: Buffer.from('{"errors":[{"code":"UNKNOWN","message":"storage down"}]}'), url }),
    });
    await rejectsWith(new NotaryChangefeed({ baseUrl: BASE, http: answering(500) }).latestId(), 'HTTP_5XX', /answered HTTP 500: storage down/);
    await rejectsWith(new NotaryChangefeed({ baseUrl: BASE, http: answering(404) }).latestId(), 'HTTP_4XX');
    const forbidden = await rejectsWith(new NotaryChangefeed({ baseUrl: BASE, http: answering(403) }).latestId(), 'AUTH', /registry:catalog:\*/);
    assert.equal(forbidden.status, 403);
  });

  it('follows one GUN at /v2/<gun>/_trust/changefeed and reports only that GUN', async () => {
    const seen: URL[] = [];
    const feed = new NotaryChangefeed({
      baseUrl: new URL('http://notary.test/notary'),
      gun: 'registry.test:5000/team/app',
      http: fakeNotary(
        [
          { id: 1, gun: 'registry.test:5000/team/app' },
          { id: 2, gun: 'registry.test:5000/other' },
        ],
        seen
      ),
    });
    const batch = await feed.changesAfter(0);
    assert.equal(seen[0]?.pathname, '/notary/v2/registry.test:5000/team/app/_trust/changefeed');
    assert.deepEqual(
      batch.records.map((record) => record.id),
      [1]
    );
    assert.equal(batch.skipped, 1);
  });

  it('refuses a GUN to follow that could leave the path, and arguments that are not IDs', async () => {
    const http = fakeNotary([]);
    for (const gun of ['../x', 'h/a?b', 'h']) {
      assert.throws(() => new NotaryChangefeed({ baseUrl: BASE, http, gun }), FetchError);
    }
    assert.throws(() => new NotaryChangefeed({ baseUrl: BASE, http, maxPages: 0 }), RangeError);
    const feed = new NotaryChangefeed({ baseUrl: BASE, http });
    for (const id of [-1, 1.5, Number.NaN]) {
      await assert.rejects(feed.changesAfter(id), RangeError);
    }
  });
});

describe('NotaryChangefeed through the real HTTP client', () => {
  function client(agent: MockAgent): HttpClient {
    return createHttpClient({ dispatcher: agent, userAgent: 'test', timeoutMs: 5_000 });
  }

  function mockAgent(): MockAgent {
    const agent = new MockAgent();
    agent.disableNetConnect();
    return agent;
  }

  it('refuses a page over 1 MiB as TOO_LARGE, with or without a Content-Length', async () => {
    const huge = `{"count":0,"records":null,"padding":"${'x'.repeat(1024 * 1024)}"}`;
    for (const declared of [true, false]) {
      const agent = mockAgent();
      agent
        .get('http://notary.test:4443')
        .intercept({ path: (path) => path.startsWith('/v2/_trust/changefeed'), method: 'GET' })
        .reply(200, huge, declared ? { headers: { 'content-length': String(huge.length) } } : {});
      await rejectsWith(new NotaryChangefeed({ baseUrl: BASE, http: client(agent) }).latestId(), 'TOO_LARGE');
      await agent.close();
    }
  });

  it('asks the token server for registry:catalog:* and reports AUTH when the token does not carry it (401 after auth)', async () => {
    const agent = mockAgent();
    const origin = agent.get('http://notary.test:4443');
    const challenge = { 'www-authenticate': 'Bearer realm="http://notary.test:4443/auth/token",service="notary-server",scope="registry:catalog:*"' };
    origin
      .intercept({ path: (path) => path.startsWith('/v2/_trust/changefeed'), method: 'GET' })
      .reply(401, '{"errors":[{"code":"UNAUTHORIZED"}]}', { headers: challenge })
      .times(2);
    let tokenQuery: URLSearchParams | undefined;
    let tokenAuthorization: unknown;
    origin.intercept({ path: (path) => path.startsWith('/auth/token'), method: 'GET' }).reply(200, (request) => {
      tokenQuery = new URL(request.path, 'http://notary.test:4443').searchParams;
      tokenAuthorization = (request.headers as Record<string, string>)['authorization'];
      return '{"token":"not-an-admin"}';
    });
    const feed = new NotaryChangefeed({ baseUrl: BASE, http: client(agent), credentials: { username: 'ci', password: 'pw' } });
    const error = await rejectsWith(feed.latestId(), 'AUTH', /not authorised .*HTTP 401.*registry:catalog:\*/);
    assert.equal(error.status, 401);
    assert.equal(tokenQuery?.get('scope'), 'registry:catalog:*');
    assert.equal(tokenQuery?.get('service'), 'notary-server');
    assert.equal(tokenAuthorization, `Basic ${Buffer.from('ci:pw').toString('base64')}`);
    assert.equal(feed.requests, 3);
    await agent.close();
  });

  it('reports AUTH when the token server refuses the login', async () => {
    const agent = mockAgent();
    const origin = agent.get('http://notary.test:4443');
    origin
      .intercept({ path: (path) => path.startsWith('/v2/_trust/changefeed'), method: 'GET' })
      .reply(401, '', { headers: { 'www-authenticate': 'Bearer realm="http://notary.test:4443/auth/token",service="notary-server",scope="registry:catalog:*"' } });
    origin.intercept({ path: (path) => path.startsWith('/auth/token'), method: 'GET' }).reply(401, '');
    await rejectsWith(new NotaryChangefeed({ baseUrl: BASE, http: client(agent), credentials: { username: 'ci', password: 'pw' } }).latestId(), 'AUTH');
    await agent.close();
  });
});
