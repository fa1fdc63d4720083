/**
 * The changefeed client and its follower against the real notary-server
 * (memory storage, no auth: both feeds are open) with trust data published by
 * the real notary client: what writes a record and what does not, and that the
 * follower reports exactly the GUNs published to, once each.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { Agent } from 'undici';

import { createHttpClient, type HttpClient } from '../../src/lib/http/http-client.js';
import { silentLogger } from '../../src/lib/logger.js';
import { NotaryChangefeed } from '../../src/notary/changefeed.js';
import { startChangefeedFollower, type ChangefeedFollower } from '../../src/scheduler/changefeed-follower.js';
import { NotaryCli } from '../support/notary-cli.js';
import { startNotaryServer, type NotaryServer } from '../support/notary-server.js';
import { makeTempDir } from '../support/temp.js';

const REGISTRY = '127.0.0.1:18079';
const GUNS = {
  history: `${REGISTRY}/published-before`,
  a: `${REGISTRY}/team/app-a`,
  b: `${REGISTRY}/app-b`,
};
const INTERVAL_MS = 100;

/** Polls until `check` holds, or fails after `timeoutMs`. */
async function eventually(check: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) {
      assert.fail(`not within ${timeoutMs} ms: ${what}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Waits a few intervals, for what must not happen. */
async function quietFor(intervals: number): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, intervals * INTERVAL_MS));
}

describe('the Notary changefeed on the real notary-server', () => {
  let dir: { path: string; remove(): Promise<void> };
  let server: NotaryServer;
  let cli: NotaryCli;
  let dispatcher: Agent;
  let http: HttpClient;
  let feed: NotaryChangefeed;
  let follower: ChangefeedFollower | undefined;
  const reported: (readonly string[])[] = [];

  before(async () => {
    dir = await makeTempDir('notary-changefeed');
    server = await startNotaryServer({ dir: dir.path });
    cli = new NotaryCli({ trustDir: `${dir.path}/trust`, serverUrl: server.url, workDir: `${dir.path}/work` });
    dispatcher = new Agent();
    http = createHttpClient({ dispatcher, userAgent: 'trust-auditor-test', timeoutMs: 5_000 });
    feed = new NotaryChangefeed({ baseUrl: new URL(server.url), http });
  });

  after(async () => {
    await follower?.stop();
    await dispatcher.close();
    await server.stop();
    await dir.remove();
  });

  it('an empty feed has no newest ID', async () => {
    assert.equal(await feed.latestId(), undefined);
    assert.deepEqual(await feed.changesAfter(0), { records: [], lastId: 0, skipped: 0, caughtUp: true });
  });

  it('one publish writes one record (init alone writes none), with the timestamp version and its hash', async () => {
    await cli.notary('init', GUNS.history);
    assert.equal(await feed.latestId(), undefined, 'init only stages locally');
    await cli.publish(GUNS.history);
    assert.equal(await feed.latestId(), 1);
    const batch = await feed.changesAfter(0);
    assert.equal(batch.records.length, 1);
    assert.deepEqual({ ...batch.records[0], createdAt: undefined }, { id: 1, gun: GUNS.history, version: 1, sha256: batch.records[0]?.sha256, category: 'update', createdAt: undefined });
    assert.match(batch.records[0]?.sha256 ?? '', /^[0-9a-f]{64}$/);
  });

  it('the follower starts at the newest record and reports only the GUN published to, once', async () => {
    follower = startChangefeedFollower({ changefeed: feed, onChanged: (guns) => void reported.push(guns), logger: silentLogger, intervalMs: INTERVAL_MS });
    await eventually(() => follower?.cursor !== undefined, 'the follower took its starting point');
    assert.equal(follower.cursor, 1);
    await quietFor(3);
    assert.deepEqual(reported, [], 'history is not replayed');

    await cli.init(GUNS.a);
    await eventually(() => reported.length > 0, 'a report for GUN A');
    await quietFor(3);
    assert.deepEqual(reported, [[GUNS.a]]);

    await cli.init(GUNS.b);
    await eventually(() => reported.length > 1, 'a report for GUN B');
    await quietFor(3);
    assert.deepEqual(reported.slice(1), [[GUNS.b]]);
  });

  it('a new tag signed and published is a record; reading the timestamp or its key is not', async () => {
    const before = await feed.latestId();
    for (const file of ['timestamp.json', 'timestamp.key', 'snapshot.json', 'root.json']) {
      const response = await http.send(new URL(`/v2/${GUNS.a}/_trust/tuf/${file}`, server.url), { maxBytes: 1 << 20, what: file });
      assert.equal(response.status, 200, file);
    }
    assert.equal(await feed.latestId(), before, 'a GET of a current timestamp writes nothing');

    const reportsBefore = reported.length;
    await cli.add(GUNS.a, 'v1', 'content of v1');
    await cli.publish(GUNS.a);
    await eventually(() => reported.length > reportsBefore, 'a report for the new tag');
    assert.deepEqual(reported.slice(reportsBefore), [[GUNS.a]]);
  });

  it('a server-side key rotation (the server signs a new timestamp) is a record', async () => {
    const reportsBefore = reported.length;
    const newestBefore = (await feed.latestId()) ?? 0;
    await cli.notaryWithInput('yes\n', 'key', 'rotate', GUNS.b, 'timestamp', '--server-managed');
    await eventually(() => reported.length > reportsBefore, 'a report for the rotation');
    assert.deepEqual(reported.slice(reportsBefore), [[GUNS.b]]);
    const batch = await feed.changesAfter(newestBefore);
    assert.deepEqual(
      batch.records.map((record) => [record.gun, record.category]),
      [[GUNS.b, 'update']]
    );
  });

  it('deleting a GUN is a deletion record and a report; deleting nothing writes none', async () => {
    const reportsBefore = reported.length;
    const newestBefore = (await feed.latestId()) ?? 0;
    await cli.notary('delete', GUNS.b, '--remote');
    await eventually(() => reported.length > reportsBefore, 'a report for the deletion');
    assert.deepEqual(reported.slice(reportsBefore), [[GUNS.b]]);
    const [deletion] = (await feed.changesAfter(newestBefore)).records;
    assert.deepEqual({ ...deletion, createdAt: undefined }, { id: newestBefore + 1, gun: GUNS.b, version: 0, sha256: '', category: 'deletion', createdAt: undefined });

    await cli.notary('delete', GUNS.b, '--remote');
    await quietFor(3);
    assert.equal(await feed.latestId(), newestBefore + 1);
    assert.equal(reported.length, reportsBefore + 1);
  });

  it('a GUN feed lists only that GUN', async () => {
    const own = new NotaryChangefeed({ baseUrl: new URL(server.url), http, gun: GUNS.a });
    const batch = await own.changesAfter(0);
    assert.ok(batch.records.length >= 2);
    assert.ok(batch.records.every((record) => record.gun === GUNS.a));
    assert.equal(batch.skipped, 0);
  });

  it('ten publishes of two GUNs between two reads come back in order on one page', async () => {
    await follower?.stop();
    follower = undefined;
    const newestBefore = (await feed.latestId()) ?? 0;
    for (let round = 0; round < 5; round++) {
      for (const gun of [GUNS.a, GUNS.history]) {
        await cli.add(gun, `r${round}`, `content ${round}`);
        await cli.publish(gun);
      }
    }
    const batch = await new NotaryChangefeed({ baseUrl: new URL(server.url), http, maxPages: 1 }).changesAfter(newestBefore);
    assert.equal(batch.records.length, 10);
    assert.equal(batch.lastId, newestBefore + 10);
    assert.deepEqual(new Set(batch.records.map((record) => record.gun)), new Set([GUNS.a, GUNS.history]));
  });

  it('after a restart of the memory-backed server the follower goes back to the newest record and follows on', async () => {
    const batchedReports: (readonly string[])[] = [];
    follower = startChangefeedFollower({ changefeed: feed, onChanged: (guns) => void batchedReports.push(guns), logger: silentLogger, intervalMs: INTERVAL_MS });
    await eventually(() => (follower?.cursor ?? 0) > 5, 'the follower took its starting point');
    const port = server.port;
    await server.stop();
    server = await startNotaryServer({ dir: dir.path, port });
    await eventually(() => follower?.cursor === 0, 'the cursor went back to the empty feed');
    assert.deepEqual(batchedReports, []);

    const fresh = new NotaryCli({ trustDir: `${dir.path}/trust-after-restart`, serverUrl: server.url, workDir: `${dir.path}/work` });
    await fresh.init(GUNS.b);
    await eventually(() => batchedReports.length > 0, 'a report after the restart');
    assert.deepEqual(batchedReports, [[GUNS.b]]);
    assert.equal(follower.cursor, 1);
  });
});
