/**
 * Fidelity of the fake Nexus (test/support/nexus/) against the behaviour documented in
 * docs/nexus-and-registry.md (§ numbers) and the public sources it cites.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';

import { makeManifest } from '../support/nexus/model.js';
import { startNexusServer } from '../support/nexus/server.js';
import type { FakeManifest, FakeNexus, FakeNexusOptions } from '../support/nexus/types.js';

// ----- helpers -----

const DOCKER_V2 = 'application/vnd.docker.distribution.manifest.v2+json';
const BASIC_CHALLENGE = 'BASIC realm="Sonatype Nexus Repository Manager"';
const JACKSON_DATE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}\+00:00$/;

function basic(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function sha1(bytes: Uint8Array): string {
  return createHash('sha1').update(bytes).digest('hex');
}

/** The datastore external id written out independently of the fake: hex((id * 1327217885) mod 2^32). */
function externalId(internalId: number): string {
  return ((BigInt(internalId) * 1327217885n) % 2n ** 32n).toString(16);
}

function itemId(repository: string, external: string): string {
  return Buffer.from(`${repository}:${external}`).toString('base64url');
}

function decodeItemId(id: string): string {
  return Buffer.from(id, 'base64url').toString('utf8');
}

interface Reply {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  readonly bytes: Uint8Array;
}

async function call(url: string, init: { method?: string; headers?: Record<string, string> } = {}): Promise<Reply> {
  const response = await fetch(url, { method: init.method ?? 'GET', headers: init.headers ?? {} });
  const bytes = new Uint8Array(await response.arrayBuffer());
  return { status: response.status, headers: response.headers, text: new TextDecoder().decode(bytes), bytes };
}

interface ComponentJson {
  id: string;
  repository: string;
  format: string;
  group: string | null;
  name: string;
  version: string;
  assets: AssetJson[];
}

interface AssetJson {
  downloadUrl: string;
  path: string;
  id: string;
  repository: string;
  checksum: Record<string, string>;
  contentType: string;
  lastModified: string;
  lastDownloaded: string | null;
  fileSize: number;
  blobCreated: string | null;
  [key: string]: unknown;
}

interface Page {
  readonly text: string;
  readonly items: ComponentJson[];
  readonly continuationToken: string | null;
}

async function componentsPage(nexus: FakeNexus, repository: string, token?: string, headers: Record<string, string> = {}): Promise<Page> {
  const query = new URLSearchParams({ repository });
  if (token !== undefined) {
    query.set('continuationToken', token);
  }
  const reply = await call(`${nexus.url}/service/rest/v1/components?${query.toString()}`, { headers });
  assert.equal(reply.status, 200, reply.text);
  assert.equal(reply.headers.get('content-type'), 'application/json');
  const parsed = JSON.parse(reply.text) as { items: ComponentJson[]; continuationToken: string | null };
  return { text: reply.text, items: parsed.items, continuationToken: parsed.continuationToken };
}

/** Loops on the continuation token like a crawler; returns every page. */
async function crawl(nexus: FakeNexus, repository: string, headers: Record<string, string> = {}): Promise<Page[]> {
  const pages: Page[] = [];
  let token: string | undefined;
  do {
    const page = await componentsPage(nexus, repository, token, headers);
    pages.push(page);
    token = page.continuationToken ?? undefined;
  } while (token !== undefined && pages.length < 1000);
  return pages;
}

function componentRequests(nexus: FakeNexus): number {
  return nexus.requests.filter((request) => request.path.startsWith('/service/rest/v1/components')).length;
}

async function withNexus(options: FakeNexusOptions, body: (nexus: FakeNexus) => Promise<void>): Promise<void> {
  const nexus = await startNexusServer(options);
  try {
    await body(nexus);
  } finally {
    await nexus.stop();
  }
}

function hostedNexus(options: FakeNexusOptions, body: (nexus: FakeNexus) => Promise<void>): Promise<void> {
  return withNexus(options, async (nexus) => {
    nexus.addRepository({ name: 'docker-hosted', type: 'hosted' });
    await body(nexus);
  });
}

/** An nginx-like schema2 manifest with seven layers (the shape of the 2024 datastore capture). */
function sevenLayerManifest(): FakeManifest {
  const digest = (n: number): string => `sha256:${createHash('sha256').update(`layer ${n}`).digest('hex')}`;
  const manifest = {
    schemaVersion: 2,
    mediaType: DOCKER_V2,
    config: { mediaType: 'application/vnd.docker.container.image.v1+json', size: 8591, digest: digest(0) },
    layers: [1, 2, 3, 4, 5, 6, 7].map((n) => ({ mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip', size: 1000 * n, digest: digest(n) })),
  };
  return { bytes: new TextEncoder().encode(JSON.stringify(manifest, null, 3)), mediaType: DOCKER_V2 };
}

// ----- tests -----

describe('makeManifest', () => {
  it("is a deterministic Docker schema2 image manifest in docker's 3-space layout", () => {
    const a = makeManifest('seed-1');
    assert.deepEqual(makeManifest('seed-1').bytes, a.bytes);
    assert.notDeepEqual(makeManifest('seed-2').bytes, a.bytes);
    assert.equal(a.mediaType, DOCKER_V2);
    const text = new TextDecoder().decode(a.bytes);
    assert.match(text, /^\{\n {3}"schemaVersion": 2,\n {3}"mediaType": "application\/vnd\.docker\.distribution\.manifest\.v2\+json",\n {3}"config": \{/);
    const parsed = JSON.parse(text) as { config: { digest: string; size: number }; layers: { digest: string; size: number; mediaType: string }[] };
    assert.match(parsed.config.digest, /^sha256:[0-9a-f]{64}$/);
    assert.ok(parsed.layers.length >= 1 && parsed.layers.length <= 7);
    for (const layer of parsed.layers) {
      assert.match(layer.digest, /^sha256:[0-9a-f]{64}$/);
      assert.equal(layer.mediaType, 'application/vnd.docker.image.rootfs.diff.tar.gzip');
      assert.ok(Number.isInteger(layer.size) && layer.size > 0);
    }
  });
});

describe('GET /service/rest/v1/components (datastore flavour, §1.4)', () => {
  it('exactly 200 components cost 3 requests, the third an empty page with a null token', async () => {
    await hostedNexus({}, async (nexus) => {
      for (let i = 0; i < 200; i++) {
        nexus.putTag('docker-hosted', 'app', `1.0.${i}`);
      }
      const pages = await crawl(nexus, 'docker-hosted');
      assert.deepEqual(
        pages.map((page) => page.items.length),
        [100, 100, 0]
      );
      assert.equal(componentRequests(nexus), 3);
      assert.deepEqual(
        pages.map((page) => page.continuationToken),
        [externalId(100), externalId(200), null]
      );
      assert.equal(pages[2]?.text, '{\n  "items" : [ ],\n  "continuationToken" : null\n}');
      // Keyset pages in creation order, every component once.
      const versions = pages.flatMap((page) => page.items.map((item) => item.version));
      assert.deepEqual(
        versions,
        Array.from({ length: 200 }, (_, i) => `1.0.${i}`)
      );
    });
  });

  it('250 components come in pages of 100, 100 and 50', async () => {
    await hostedNexus({}, async (nexus) => {
      for (let i = 0; i < 250; i++) {
        nexus.putTag('docker-hosted', `img${i % 7}`, `t${i}`);
      }
      const pages = await crawl(nexus, 'docker-hosted');
      assert.deepEqual(
        pages.map((page) => page.items.length),
        [100, 100, 50]
      );
      assert.deepEqual(
        pages.map((page) => page.continuationToken),
        [externalId(100), externalId(200), null]
      );
      assert.equal(componentRequests(nexus), 3);
    });
  });

  it('ids and tokens are the Knuth-hashed internal ids: 1 -> 4f1bbcdd, 2 -> 9e3779ba, unpadded like Integer.toHexString', async () => {
    await hostedNexus({}, async (nexus) => {
      for (let i = 1; i <= 14; i++) {
        nexus.putTag('docker-hosted', 'app', `v${i}`);
      }
      const { items } = await componentsPage(nexus, 'docker-hosted');
      assert.equal(items[0]?.id, 'ZG9ja2VyLWhvc3RlZDo0ZjFiYmNkZA');
      assert.equal(decodeItemId(items[0]?.id ?? ''), 'docker-hosted:4f1bbcdd');
      assert.equal(decodeItemId(items[1]?.id ?? ''), 'docker-hosted:9e3779ba');
      // Internal id 13 hashes below 0x10000000: seven digits, no zero padding.
      assert.equal(decodeItemId(items[12]?.id ?? ''), 'docker-hosted:4689739');
      // A token is "component_id > token": starting after 1 and after 2.
      assert.deepEqual((await componentsPage(nexus, 'docker-hosted', '4f1bbcdd')).items.map((item) => item.version).slice(0, 2), ['v2', 'v3']);
      assert.deepEqual((await componentsPage(nexus, 'docker-hosted', '9e3779ba')).items[0]?.version, 'v3');
      assert.equal((await componentsPage(nexus, 'docker-hosted', '4689739')).items[0]?.version, 'v14');
    });
  });

  it('writes the page as Jackson pretty-prints it, field for field in the order of the §1.4 capture', async () => {
    await hostedNexus({}, async (nexus) => {
      const manifest = sevenLayerManifest();
      const pushed = nexus.putTag('docker-hosted', 'my-app', '1.0', manifest);
      const page = await componentsPage(nexus, 'docker-hosted');
      const asset = page.items[0]?.assets[0];
      assert.ok(asset !== undefined);
      assert.match(asset.lastModified, JACKSON_DATE);
      assert.match(asset.blobCreated ?? '', JACKSON_DATE);
      // The asset row is written after its seven layer blobs, the config blob and the manifest by digest:
      // internal id 10, the very id of the 2024 capture (bXlfcmVwbzoxNzE1NjBhMg = my_repo:171560a2).
      const assetId = itemId('docker-hosted', '171560a2');
      const expected = `{
  "items" : [ {
    "id" : "ZG9ja2VyLWhvc3RlZDo0ZjFiYmNkZA",
    "repository" : "docker-hosted",
    "format" : "docker",
    "group" : "",
    "name" : "my-app",
    "version" : "1.0",
    "assets" : [ {
      "downloadUrl" : "${nexus.url}/repository/docker-hosted/v2/my-app/manifests/1.0",
      "path" : "/v2/my-app/manifests/1.0",
      "id" : "${assetId}",
      "repository" : "docker-hosted",
      "format" : "docker",
      "checksum" : {
        "sha256" : "${sha256(manifest.bytes)}",
        "sha1" : "${sha1(manifest.bytes)}"
      },
      "contentType" : "application/vnd.docker.distribution.manifest.v2+json",
      "lastModified" : "${asset.lastModified}",
      "lastDownloaded" : null,
      "uploader" : "admin",
      "uploaderIp" : "127.0.0.1",
      "fileSize" : ${manifest.bytes.length},
      "blobCreated" : "${asset.blobCreated}",
      "blobStoreName" : "default",
      "docker" : { }
    } ]
  } ],
  "continuationToken" : null
}`;
      assert.equal(page.text, expected);
      assert.deepEqual(pushed, { digest: `sha256:${sha256(manifest.bytes)}`, size: manifest.bytes.length });
      // lastModified is the blob's creation, blobCreated the asset's: the blob comes first.
      assert.ok(Date.parse(asset.lastModified) < Date.parse(asset.blobCreated ?? ''));
    });
  });

  it('checksum.sha256 is the sha256 of the manifest bytes (= registry digest) and fileSize their length', async () => {
    await hostedNexus({}, async (nexus) => {
      const manifests = ['a', 'b', 'c'].map((seed) => makeManifest(seed));
      manifests.forEach((manifest, i) => nexus.putTag('docker-hosted', 'team/app', `${i}`, manifest));
      const { items } = await componentsPage(nexus, 'docker-hosted');
      assert.equal(items.length, 3);
      for (const [i, item] of items.entries()) {
        const manifest = manifests[i];
        assert.ok(manifest !== undefined);
        const asset = item.assets[0];
        assert.equal(item.name, 'team/app');
        assert.equal(item.assets.length, 1);
        assert.equal(asset?.checksum['sha256'], sha256(manifest.bytes));
        assert.equal(asset?.checksum['sha1'], sha1(manifest.bytes));
        assert.equal(asset?.fileSize, manifest.bytes.length);
        assert.equal(asset?.path, `/v2/team/app/manifests/${i}`);
        const registry = await call(asset?.downloadUrl ?? '', { method: 'HEAD' });
        assert.equal(registry.headers.get('docker-content-digest'), `sha256:${sha256(manifest.bytes)}`);
      }
    });
  });

  it('a re-push keeps the component and asset ids, moves the checksum and lastModified, keeps blobCreated', async () => {
    await hostedNexus({}, async (nexus) => {
      const first = nexus.putTag('docker-hosted', 'app', 'latest', makeManifest('one'));
      nexus.putTag('docker-hosted', 'app', 'other');
      const before = (await componentsPage(nexus, 'docker-hosted')).items[0];
      const second = nexus.putTag('docker-hosted', 'app', 'latest', makeManifest('two'));
      const afterItems = (await componentsPage(nexus, 'docker-hosted')).items;
      const afterRepush = afterItems[0];
      assert.ok(before !== undefined && afterRepush !== undefined);
      assert.notEqual(first.digest, second.digest);
      assert.equal(afterItems.length, 2);
      assert.equal(afterRepush.version, 'latest');
      assert.equal(afterRepush.id, before.id);
      assert.equal(afterRepush.assets[0]?.id, before.assets[0]?.id);
      assert.equal(before.assets[0]?.checksum['sha256'], first.digest.slice(7));
      assert.equal(afterRepush.assets[0]?.checksum['sha256'], second.digest.slice(7));
      assert.equal(afterRepush.assets[0]?.blobCreated, before.assets[0]?.blobCreated);
      assert.ok(Date.parse(afterRepush.assets[0]?.lastModified ?? '') > Date.parse(before.assets[0]?.lastModified ?? ''));
      // The registry serves the new manifest; the old one stays reachable by digest (untagged manifest).
      const byTag = await call(`${nexus.url}/repository/docker-hosted/v2/app/manifests/latest`);
      assert.equal(byTag.headers.get('docker-content-digest'), second.digest);
      assert.equal((await call(`${nexus.url}/repository/docker-hosted/v2/app/manifests/${first.digest}`)).status, 200);
    });
  });

  it('deleteTag removes the component; a token handed out before stays valid (keyset)', async () => {
    await withNexus({ flavour: 'datastore' }, async (nexus) => {
      nexus.addRepository({ name: 'docker-hosted', type: 'hosted' });
      for (let i = 0; i < 101; i++) {
        nexus.putTag('docker-hosted', 'app', `${i}`);
      }
      const first = await componentsPage(nexus, 'docker-hosted');
      assert.equal(first.continuationToken, externalId(100));
      nexus.deleteTag('docker-hosted', 'app', '99'); // the component the token points at
      nexus.deleteTag('docker-hosted', 'app', '0');
      const second = await componentsPage(nexus, 'docker-hosted', first.continuationToken ?? undefined);
      assert.deepEqual(
        second.items.map((item) => item.version),
        ['100']
      );
      const all = (await crawl(nexus, 'docker-hosted')).flatMap((page) => page.items.map((item) => item.version));
      assert.equal(all.length, 99);
      assert.ok(!all.includes('0') && !all.includes('99'));
      const tags = JSON.parse((await call(`${nexus.url}/repository/docker-hosted/v2/app/tags/list`)).text) as { tags: string[] };
      assert.ok(!tags.tags.includes('0'));
      assert.throws(() => nexus.deleteTag('docker-hosted', 'app', '0'), /does not exist/);
    });
  });

  it('answers 422 without repository, 404 for an unknown one (status only, X-Siesta-FaultId) and 500 for a garbage token', async () => {
    await hostedNexus({}, async (nexus) => {
      nexus.putTag('docker-hosted', 'app', '1');
      const missing = await call(`${nexus.url}/service/rest/v1/components`);
      assert.equal(missing.status, 422);
      assert.equal(missing.text, '');
      assert.match(missing.headers.get('x-siesta-faultid') ?? '', /^[0-9a-f-]{36}$/);
      const unknown = await call(`${nexus.url}/service/rest/v1/components?repository=nope`);
      assert.equal(unknown.status, 404);
      assert.equal(unknown.text, '');
      const garbage = await call(`${nexus.url}/service/rest/v1/components?repository=docker-hosted&continuationToken=not-a-token`);
      assert.equal(garbage.status, 500);
      assert.equal(garbage.headers.get('content-type'), 'text/plain');
      const faultId = garbage.headers.get('x-siesta-faultid');
      assert.equal(garbage.text, `ERROR: (ID ${faultId}) java.lang.NumberFormatException: For input string: "not-a-token"`);
      // Components of a Maven repository: none, but the same page shape.
      nexus.addRepository({ name: 'maven-releases', type: 'hosted', format: 'maven2' });
      assert.equal((await componentsPage(nexus, 'maven-releases')).text, '{\n  "items" : [ ],\n  "continuationToken" : null\n}');
    });
  });
});

describe('OrientDB flavour (§1.4)', () => {
  it('pages by 10 with 32-hex ids and tokens, group null, relative paths, no docker key, duplicated blobCreated', async () => {
    await hostedNexus({ flavour: 'orientdb' }, async (nexus) => {
      for (let i = 0; i < 20; i++) {
        nexus.putTag('docker-hosted', 'my-app', `2.${i}`);
      }
      const pages = await crawl(nexus, 'docker-hosted');
      assert.deepEqual(
        pages.map((page) => page.items.length),
        [10, 10, 0]
      );
      assert.equal(componentRequests(nexus), 3);
      const [first, second] = pages;
      assert.ok(first !== undefined && second !== undefined);
      assert.match(first.continuationToken ?? '', /^[0-9a-f]{32}$/);
      assert.match(second.continuationToken ?? '', /^[0-9a-f]{32}$/);
      const item = first.items[0];
      assert.ok(item !== undefined);
      assert.match(decodeItemId(item.id), /^docker-hosted:[0-9a-f]{32}$/);
      assert.equal(decodeItemId(first.items[9]?.id ?? ''), `docker-hosted:${first.continuationToken}`);
      assert.match(decodeItemId(item.assets[0]?.id ?? ''), /^docker-hosted:[0-9a-f]{32}$/);
      assert.equal(item.group, null);
      assert.equal(item.assets[0]?.path, 'v2/my-app/manifests/2.0');
      assert.equal(item.assets[0]?.downloadUrl, `${nexus.url}/repository/docker-hosted/v2/my-app/manifests/2.0`);
      assert.ok(!('docker' in (item.assets[0] ?? {})));
      assert.ok(!('blobStoreName' in (item.assets[0] ?? {})));
      // The raw text repeats the key; JSON.parse keeps the last value.
      assert.match(first.text, /"fileSize" : \d+,\n {6}"blobCreated" : null,\n {6}"blobCreated" : "[^"]+"\n {4}\} \]/);
      assert.match(item.assets[0]?.blobCreated ?? '', JACKSON_DATE);
      assert.match(first.text, /"checksum" : \{\n {8}"sha1" : "[0-9a-f]{40}",\n {8}"sha256" : "[0-9a-f]{64}"\n {6}\}/);
      assert.match(first.text, /"group" : null,/);
    });
  });
});

describe('group repositories', () => {
  it("list their members' components relabelled to the group, in creation order, duplicates included", async () => {
    await withNexus({ quirks: { noLinkOnGroups: true } }, async (nexus) => {
      nexus.addRepository({ name: 'hosted-a', type: 'hosted' });
      nexus.addRepository({ name: 'hosted-b', type: 'hosted' });
      nexus.addRepository({ name: 'docker-group', type: 'group', members: ['hosted-a', 'hosted-b'] });
      nexus.putTag('hosted-a', 'app', '1');
      nexus.putTag('hosted-b', 'app', '1');
      nexus.putTag('hosted-a', 'app', '2');
      const { items } = await componentsPage(nexus, 'docker-group');
      assert.deepEqual(
        items.map((item) => item.version),
        ['1', '1', '2']
      );
      assert.deepEqual(
        items.map((item) => decodeItemId(item.id)),
        [1, 2, 3].map((n) => `docker-group:${externalId(n)}`)
      );
      for (const item of items) {
        assert.equal(item.repository, 'docker-group');
        assert.equal(item.assets[0]?.repository, 'docker-group');
        assert.match(decodeItemId(item.assets[0]?.id ?? ''), /^docker-group:/);
        assert.equal(item.assets[0]?.downloadUrl, `${nexus.url}/repository/docker-group/v2/app/manifests/${item.version}`);
      }
      // The members themselves keep their own names and the shared id sequence.
      assert.deepEqual(
        (await componentsPage(nexus, 'hosted-b')).items.map((item) => decodeItemId(item.id)),
        [`hosted-b:${externalId(2)}`]
      );
      // Registry: the group merges the members' tags; with the quirk it sends no Link header.
      const group = await call(`${nexus.url}/repository/docker-group/v2/app/tags/list?n=1`);
      assert.deepEqual(JSON.parse(group.text), { name: 'app', tags: ['1'] });
      assert.equal(group.headers.get('link'), null);
      assert.deepEqual(JSON.parse((await call(`${nexus.url}/repository/docker-group/v2/app/tags/list`)).text), { name: 'app', tags: ['1', '2'] });
      const hosted = await call(`${nexus.url}/repository/hosted-a/v2/app/tags/list?n=1`);
      assert.equal(hosted.headers.get('link'), `<${nexus.url}/repository/hosted-a/v2/app/tags/list?n=1&last=1>; rel="next"`);
      // A manifest through the group comes from the first member that has it.
      const viaGroup = await call(`${nexus.url}/repository/docker-group/v2/app/manifests/2`);
      assert.equal(viaGroup.status, 200);
      assert.equal(viaGroup.headers.get('docker-content-digest'), `sha256:${sha256(makeManifest('hosted-a/app:2').bytes)}`);
      assert.throws(() => nexus.putTag('docker-group', 'app', '3'), /cannot push/);
    });
  });
});

describe('REST authentication and authorisation (§1.1-§1.3, §1.8)', () => {
  const users = {
    admin: { password: 'admin123', admin: true },
    reader: { password: 'reader' },
    outsider: { password: 'outsider', repositories: ['other'] },
  } as const;
  let nexus: FakeNexus;

  before(async () => {
    nexus = await startNexusServer({ users });
    nexus.addRepository({ name: 'docker-hosted', type: 'hosted', docker: { httpPort: 8082 } });
    nexus.addRepository({ name: 'docker-proxy', type: 'proxy' });
    nexus.addRepository({ name: 'other', type: 'hosted' });
    nexus.putTag('docker-hosted', 'app', '1');
  });
  after(() => nexus.stop());

  it('challenges anonymous and wrong credentials with the BASIC realm; /v1/status needs nothing', async () => {
    for (const headers of [{}, { authorization: basic('admin', 'wrong') }, { authorization: basic('ghost', 'x') }]) {
      const reply = await call(`${nexus.url}/service/rest/v1/repositories`, { headers });
      assert.equal(reply.status, 401);
      assert.equal(reply.headers.get('www-authenticate'), BASIC_CHALLENGE);
    }
    assert.equal((await call(`${nexus.url}/service/rest/v1/status`)).status, 200);
  });

  it('lists repositories in creation order, browse-filtered, without Docker connector settings', async () => {
    const reply = await call(`${nexus.url}/service/rest/v1/repositories`, { headers: { authorization: basic('reader', 'reader') } });
    assert.equal(reply.status, 200);
    const list = JSON.parse(reply.text) as { name: string; format: string; type: string; url: string; attributes: unknown }[];
    assert.deepEqual(
      list.map((repo) => repo.name),
      ['docker-hosted', 'docker-proxy', 'other']
    );
    assert.deepEqual(Object.keys(list[0] ?? {}), ['name', 'format', 'type', 'url', 'size', 'attributes']);
    assert.deepEqual(list[0]?.attributes, {});
    assert.equal(list[0]?.url, `${nexus.url}/repository/docker-hosted`);
    assert.deepEqual(list[1]?.attributes, { proxy: { remoteUrl: 'https://registry-1.docker.io' } });
    assert.ok(!reply.text.includes('httpPort'));
    assert.match(reply.text, /^\[ \{\n {2}"name" : "docker-hosted",\n {2}"format" : "docker",/);

    const outsider = await call(`${nexus.url}/service/rest/v1/repositories`, { headers: { authorization: basic('outsider', 'outsider') } });
    assert.deepEqual(
      (JSON.parse(outsider.text) as { name: string }[]).map((repo) => repo.name),
      ['other']
    );
  });

  it('answers 403 (status only) to a user without browse privilege, 404 for an unknown repository', async () => {
    const headers = { authorization: basic('outsider', 'outsider') };
    const components = await call(`${nexus.url}/service/rest/v1/components?repository=docker-hosted`, { headers });
    assert.equal(components.status, 403);
    assert.equal(components.text, '');
    assert.equal((await call(`${nexus.url}/service/rest/v1/repositories/docker-hosted`, { headers })).status, 403);
    assert.equal((await call(`${nexus.url}/service/rest/v1/repositories/nope`, { headers })).status, 404);
    const own = await call(`${nexus.url}/service/rest/v1/repositories/other`, { headers });
    assert.equal(own.status, 200);
    assert.equal((JSON.parse(own.text) as { name: string }).name, 'other');
  });

  it('serves repositorySettings to admins only: 401 anonymous, [ ] for non-admins', async () => {
    const anonymous = await call(`${nexus.url}/service/rest/v1/repositorySettings`);
    assert.equal(anonymous.status, 401);
    assert.equal(anonymous.headers.get('www-authenticate'), BASIC_CHALLENGE);
    const reader = await call(`${nexus.url}/service/rest/v1/repositorySettings`, { headers: { authorization: basic('reader', 'reader') } });
    assert.equal(reader.status, 200);
    assert.equal(reader.text, '[ ]');
    const admin = await call(`${nexus.url}/service/rest/v1/repositorySettings`, { headers: { authorization: basic('admin', 'admin123') } });
    const settings = JSON.parse(admin.text) as { name: string; docker?: unknown; dockerProxy?: unknown }[];
    assert.deepEqual(
      settings.map((repo) => repo.name),
      ['docker-hosted', 'docker-proxy', 'other']
    );
    assert.deepEqual(settings[0]?.docker, { v1Enabled: false, forceBasicAuth: true, httpPort: 8082, httpsPort: null, subdomain: null, pathEnabled: false });
    assert.deepEqual(settings[1]?.dockerProxy, { indexType: 'HUB', indexUrl: 'https://index.docker.io/', cacheForeignLayers: false, foreignLayerUrlWhitelist: [] });
  });

  it('serves /v1/repositories/docker/{type}/{name} to admins; otherwise the "Repository not found" 404', async () => {
    const admin = { authorization: basic('admin', 'admin123') };
    const ok = await call(`${nexus.url}/service/rest/v1/repositories/docker/hosted/docker-hosted`, { headers: admin });
    assert.equal(ok.status, 200);
    assert.deepEqual(Object.keys(JSON.parse(ok.text) as object), ['name', 'format', 'type', 'url', 'online', 'storage', 'cleanup', 'component', 'docker']);
    assert.match(
      ok.text,
      /"docker" : \{\n {4}"v1Enabled" : false,\n {4}"forceBasicAuth" : true,\n {4}"httpPort" : 8082,\n {4}"httpsPort" : null,\n {4}"subdomain" : null,\n {4}"pathEnabled" : false\n {2}\}\n\}$/
    );
    const notFound = '{\n  "id" : "*",\n  "message" : "\\"Repository not found\\""\n}';
    for (const [path, headers] of [
      ['docker/hosted/docker-hosted', { authorization: basic('reader', 'reader') }],
      ['docker/proxy/docker-hosted', admin],
      ['docker/hosted/missing', admin],
    ] as const) {
      const reply = await call(`${nexus.url}/service/rest/v1/repositories/${path}`, { headers });
      assert.equal(reply.status, 404, path);
      assert.equal(reply.text, notFound, path);
    }
    assert.equal((await call(`${nexus.url}/service/rest/v1/repositories/docker/hosted/docker-hosted`)).status, 401);
  });

  it('with anonymous: true lets anonymous GETs through, still challenging the admin endpoints', async () => {
    await withNexus({ users, anonymous: true }, async (open) => {
      open.addRepository({ name: 'docker-hosted', type: 'hosted' });
      open.putTag('docker-hosted', 'app', '1');
      const list = await call(`${open.url}/service/rest/v1/repositories`);
      assert.equal(list.status, 200);
      assert.deepEqual(
        (JSON.parse(list.text) as { name: string }[]).map((repo) => repo.name),
        ['docker-hosted']
      );
      assert.equal((await componentsPage(open, 'docker-hosted')).items.length, 1);
      assert.equal((await call(`${open.url}/service/rest/v1/repositorySettings`)).status, 401);
      // forceBasicAuth (the default) admits no anonymous docker client.
      assert.equal((await call(`${open.url}/repository/docker-hosted/v2/app/tags/list`)).status, 401);
    });
  });
});

describe('Docker Registry API on /repository/<repo>/v2/ (§2)', () => {
  const auth = { authorization: basic('admin', 'admin123') };
  const options: FakeNexusOptions = { users: { admin: { password: 'admin123', admin: true } } };

  it('pings: 401 with the BASIC challenge and the API version header, 200 with credentials', async () => {
    await hostedNexus(options, async (nexus) => {
      const anonymous = await call(`${nexus.url}/repository/docker-hosted/v2/`);
      assert.equal(anonymous.status, 401);
      assert.equal(anonymous.headers.get('www-authenticate'), BASIC_CHALLENGE);
      assert.equal(anonymous.headers.get('docker-distribution-api-version'), 'registry/2.0');
      assert.deepEqual(JSON.parse(anonymous.text), { errors: [{ code: 'UNAUTHORIZED', message: 'access to the requested resource is not authorized', detail: null }] });
      const ping = await call(`${nexus.url}/repository/docker-hosted/v2/`, { headers: auth });
      assert.equal(ping.status, 200);
      assert.equal(ping.headers.get('docker-distribution-api-version'), 'registry/2.0');
    });
  });

  it('pages tags/list lexically with absolute Link headers; without n it sends every tag', async () => {
    await hostedNexus(options, async (nexus) => {
      const tags = ['1.10', '1.9', 'latest', '1.0', '2.0-rc1'];
      for (const tag of tags) {
        nexus.putTag('docker-hosted', 'team/app', tag);
      }
      const sorted = [...tags].sort();
      const everything = await call(`${nexus.url}/repository/docker-hosted/v2/team/app/tags/list`, { headers: auth });
      assert.deepEqual(JSON.parse(everything.text), { name: 'team/app', tags: sorted });
      assert.equal(everything.headers.get('link'), null);

      const seen: string[] = [];
      let next: string | undefined = `${nexus.url}/repository/docker-hosted/v2/team/app/tags/list?n=2`;
      const links: string[] = [];
      while (next !== undefined) {
        const reply = await call(next, { headers: auth });
        assert.equal(reply.status, 200);
        seen.push(...(JSON.parse(reply.text) as { tags: string[] }).tags);
        const link = reply.headers.get('link');
        if (link !== null) {
          links.push(link);
        }
        next = link === null ? undefined : /^<([^>]+)>; rel="next"$/.exec(link)?.[1];
      }
      assert.deepEqual(seen, sorted);
      assert.deepEqual(links, [
        `<${nexus.url}/repository/docker-hosted/v2/team/app/tags/list?n=2&last=1.10>; rel="next"`,
        `<${nexus.url}/repository/docker-hosted/v2/team/app/tags/list?n=2&last=2.0-rc1>; rel="next"`,
      ]);
      const unknown = await call(`${nexus.url}/repository/docker-hosted/v2/nothing/tags/list`, { headers: auth });
      assert.equal(unknown.status, 404);
      assert.equal((JSON.parse(unknown.text) as { errors: { code: string }[] }).errors[0]?.code, 'NAME_UNKNOWN');
    });
  });

  it('connectorLink quirk: the Link carries /repository/<repo> once too often and following it gives 400', async () => {
    await hostedNexus({ ...options, quirks: { connectorLink: true } }, async (nexus) => {
      for (const tag of ['a', 'b', 'c']) {
        nexus.putTag('docker-hosted', 'app', tag);
      }
      const first = await call(`${nexus.url}/repository/docker-hosted/v2/app/tags/list?n=1`, { headers: auth });
      const link = first.headers.get('link') ?? '';
      assert.equal(link, `<${nexus.url}/repository/docker-hosted/repository/docker-hosted/v2/app/tags/list?n=1&last=a>; rel="next"`);
      const followed = await call(/^<([^>]+)>/.exec(link)?.[1] ?? '', { headers: auth });
      assert.equal(followed.status, 400);
      // Rebuilding the URL from `last` works.
      const rebuilt = await call(`${nexus.url}/repository/docker-hosted/v2/app/tags/list?n=1&last=a`, { headers: auth });
      assert.deepEqual(JSON.parse(rebuilt.text), { name: 'app', tags: ['b'] });
    });
  });

  it('nullTag quirk: the tag list starts with null', async () => {
    await hostedNexus({ quirks: { nullTag: true } }, async (nexus) => {
      nexus.putTag('docker-hosted', 'app', '1.0.0-1');
      const reply = await call(`${nexus.url}/repository/docker-hosted/v2/app/tags/list`);
      assert.equal(reply.text, '{"name":"app","tags":[null,"1.0.0-1"]}');
    });
  });

  it('lists the catalog with n/last and an absolute Link', async () => {
    await hostedNexus({}, async (nexus) => {
      for (const image of ['zeta', 'alpha', 'team/app']) {
        nexus.putTag('docker-hosted', image, '1');
      }
      const first = await call(`${nexus.url}/repository/docker-hosted/v2/_catalog?n=2`);
      assert.deepEqual(JSON.parse(first.text), { repositories: ['alpha', 'team/app'] });
      assert.equal(first.headers.get('link'), `<${nexus.url}/repository/docker-hosted/v2/_catalog?n=2&last=team%2Fapp>; rel="next"`);
      const second = await call(`${nexus.url}/repository/docker-hosted/v2/_catalog?n=2&last=team%2Fapp`);
      assert.deepEqual(JSON.parse(second.text), { repositories: ['zeta'] });
      assert.equal(second.headers.get('link'), null);
    });
  });

  it('serves manifests by tag and digest with Docker-Content-Digest, stored Content-Type and Content-Length', async () => {
    await hostedNexus(options, async (nexus) => {
      const manifest = makeManifest('served');
      const { digest, size } = nexus.putTag('docker-hosted', 'team/app', '1.0', manifest);
      const base = `${nexus.url}/repository/docker-hosted/v2/team/app/manifests`;
      // Accept is ignored: the stored media type comes back whatever the client asks for (§2.3).
      const get = await call(`${base}/1.0`, { headers: { ...auth, accept: 'application/vnd.oci.image.manifest.v1+json' } });
      assert.equal(get.status, 200);
      assert.deepEqual(get.bytes, manifest.bytes);
      assert.equal(get.headers.get('content-type'), DOCKER_V2);
      assert.equal(get.headers.get('docker-content-digest'), digest);
      assert.equal(get.headers.get('content-length'), String(size));
      const head = await call(`${base}/1.0`, { method: 'HEAD', headers: auth });
      assert.equal(head.status, 200);
      assert.equal(head.text, '');
      assert.equal(head.headers.get('docker-content-digest'), digest);
      assert.equal(head.headers.get('content-length'), String(size));
      assert.deepEqual((await call(`${base}/${digest}`, { headers: auth })).bytes, manifest.bytes);
      assert.equal((await call(`${base}/${encodeURIComponent(digest)}`, { headers: auth })).status, 200);
      const missing = await call(`${base}/2.0`, { headers: auth });
      assert.equal(missing.status, 404);
      assert.deepEqual(JSON.parse(missing.text), { errors: [{ code: 'MANIFEST_UNKNOWN', message: 'manifest unknown', detail: [{ Name: 'team/app' }, { Tag: '2.0' }] }] });
      // Pulling by tag marks the REST asset downloaded.
      const asset = (await componentsPage(nexus, 'docker-hosted', undefined, auth)).items[0]?.assets[0];
      assert.match(asset?.lastDownloaded ?? '', JACKSON_DATE);
    });
  });

  it('headManifest404 quirk: HEAD answers 404 while GET works', async () => {
    await hostedNexus({ quirks: { headManifest404: true } }, async (nexus) => {
      const { digest } = nexus.putTag('docker-hosted', 'app', '1');
      const url = `${nexus.url}/repository/docker-hosted/v2/app/manifests/1`;
      assert.equal((await call(url, { method: 'HEAD' })).status, 404);
      const get = await call(url);
      assert.equal(get.status, 200);
      assert.equal(get.headers.get('docker-content-digest'), digest);
    });
  });

  it('registryDigestDiffers and missingChecksum quirks', async () => {
    await hostedNexus({ quirks: { registryDigestDiffers: ['docker-hosted/app:moved'], missingChecksum: ['docker-hosted/app:bare'] } }, async (nexus) => {
      const moved = nexus.putTag('docker-hosted', 'app', 'moved');
      const bare = nexus.putTag('docker-hosted', 'app', 'bare');
      const { items } = await componentsPage(nexus, 'docker-hosted');
      const [movedItem, bareItem] = items;
      assert.equal(movedItem?.assets[0]?.checksum['sha256'], moved.digest.slice(7));
      const registry = await call(`${nexus.url}/repository/docker-hosted/v2/app/manifests/moved`);
      assert.equal(registry.headers.get('docker-content-digest'), `sha256:${sha256(registry.bytes)}`);
      assert.notEqual(registry.headers.get('docker-content-digest'), moved.digest);
      assert.equal((await call(`${nexus.url}/repository/docker-hosted/v2/app/manifests/${moved.digest}`)).status, 200);

      assert.deepEqual(Object.keys(bareItem?.assets[0]?.checksum ?? {}), ['sha1']);
      const bareRegistry = await call(`${nexus.url}/repository/docker-hosted/v2/app/manifests/bare`, { method: 'HEAD' });
      assert.equal(bareRegistry.headers.get('docker-content-digest'), bare.digest);
    });
  });
});

describe('bearer token flow (§2.4)', () => {
  it('challenges with realm = service = <base>/repository/<repo>/v2/token and issues DockerTokens for Basic credentials', async () => {
    await withNexus({ registryAuth: 'bearer', users: { ci: { password: 'secret' } } }, async (nexus) => {
      nexus.addRepository({ name: 'docker-hosted', type: 'hosted' });
      nexus.addRepository({ name: 'forced', type: 'hosted', docker: { forceBasicAuth: true } });
      nexus.putTag('docker-hosted', 'app', '1');
      const realm = `${nexus.url}/repository/docker-hosted/v2/token`;
      const ping = await call(`${nexus.url}/repository/docker-hosted/v2/`);
      assert.equal(ping.status, 401);
      assert.equal(ping.headers.get('www-authenticate'), `Bearer realm="${realm}",service="${realm}"`);
      assert.equal((await call(`${nexus.url}/repository/forced/v2/`)).headers.get('www-authenticate'), BASIC_CHALLENGE);

      const refused = await call(`${realm}?account=ci&client_id=docker&offline_token=true&service=${encodeURIComponent(realm)}`, { headers: { authorization: basic('ci', 'wrong') } });
      assert.equal(refused.status, 401);
      assert.equal((await call(realm)).status, 401); // no anonymous access configured

      const issued = await call(`${realm}?account=ci&client_id=docker&offline_token=true&service=${encodeURIComponent(realm)}`, { headers: { authorization: basic('ci', 'secret') } });
      assert.equal(issued.status, 200);
      assert.match(issued.text, /^\{"token":"DockerToken\.[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"\}$/);
      const { token } = JSON.parse(issued.text) as { token: string };
      const bearer = { authorization: `Bearer ${token}` };
      assert.equal((await call(`${nexus.url}/repository/docker-hosted/v2/`, { headers: bearer })).status, 200);
      assert.deepEqual(JSON.parse((await call(`${nexus.url}/repository/docker-hosted/v2/app/tags/list`, { headers: bearer })).text), { name: 'app', tags: ['1'] });
      assert.equal((await call(`${nexus.url}/repository/docker-hosted/v2/`, { headers: { authorization: 'Bearer DockerToken.forged' } })).status, 401);
      // Basic credentials keep working directly.
      assert.equal((await call(`${nexus.url}/repository/docker-hosted/v2/`, { headers: { authorization: basic('ci', 'secret') } })).status, 200);
    });
  });

  it('hands anonymous tokens out when anonymous access is on', async () => {
    await withNexus({ registryAuth: 'bearer', users: { ci: { password: 'secret' } }, anonymous: true }, async (nexus) => {
      nexus.addRepository({ name: 'docker-hosted', type: 'hosted' });
      nexus.putTag('docker-hosted', 'app', '1');
      assert.equal((await call(`${nexus.url}/repository/docker-hosted/v2/app/tags/list`)).status, 401);
      const { token } = JSON.parse((await call(`${nexus.url}/repository/docker-hosted/v2/token`)).text) as { token: string };
      const reply = await call(`${nexus.url}/repository/docker-hosted/v2/app/tags/list`, { headers: { authorization: `Bearer ${token}` } });
      assert.equal(reply.status, 200);
    });
  });
});

describe('request accounting, outages and lifecycle', () => {
  it('records every request, 401s included, with the Authorization header presence and the status', async () => {
    await hostedNexus({ users: { admin: { password: 'admin123', admin: true } } }, async (nexus) => {
      await call(`${nexus.url}/service/rest/v1/components?repository=docker-hosted`);
      await call(`${nexus.url}/service/rest/v1/components?repository=docker-hosted`, { headers: { authorization: basic('admin', 'admin123') } });
      await call(`${nexus.url}/repository/docker-hosted/v2/`);
      await call(`${nexus.url}/service/rest/v1/status`);
      await call(`${nexus.url}/elsewhere`);
      assert.deepEqual(nexus.requests, [
        { method: 'GET', path: '/service/rest/v1/components?repository=docker-hosted', authorized: false, status: 401 },
        { method: 'GET', path: '/service/rest/v1/components?repository=docker-hosted', authorized: true, status: 200 },
        { method: 'GET', path: '/repository/docker-hosted/v2/', authorized: false, status: 401 },
        { method: 'GET', path: '/service/rest/v1/status', authorized: false, status: 200 },
        { method: 'GET', path: '/elsewhere', authorized: false, status: 404 },
      ]);
    });
  });

  it('setOutage answers every request with the status, or resets the connection, until cleared', async () => {
    await hostedNexus({}, async (nexus) => {
      nexus.setOutage(503);
      assert.equal((await call(`${nexus.url}/service/rest/v1/status`)).status, 503);
      assert.equal((await call(`${nexus.url}/service/rest/v1/components?repository=docker-hosted`)).status, 503);
      assert.equal((await call(`${nexus.url}/repository/docker-hosted/v2/`)).status, 503);
      nexus.setOutage('reset');
      await assert.rejects(call(`${nexus.url}/service/rest/v1/status`));
      nexus.setOutage(undefined);
      assert.equal((await call(`${nexus.url}/service/rest/v1/status`)).status, 200);
      assert.deepEqual(
        nexus.requests.map((request) => request.status),
        [503, 503, 503, 0, 200]
      );
    });
  });

  it('listens on 127.0.0.1 and stop() closes kept-alive connections', async () => {
    const nexus = await startNexusServer();
    assert.match(nexus.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.equal((await call(`${nexus.url}/service/rest/v1/status`)).status, 200); // leaves a keep-alive socket
    const started = Date.now();
    await nexus.stop();
    assert.ok(Date.now() - started < 2_000);
    await assert.rejects(call(`${nexus.url}/service/rest/v1/status`));
  });

  it('keeps servers independent', async () => {
    await withNexus({}, async (one) => {
      await withNexus({}, async (two) => {
        one.addRepository({ name: 'docker-hosted', type: 'hosted' });
        two.addRepository({ name: 'docker-hosted', type: 'hosted' });
        one.putTag('docker-hosted', 'app', '1');
        one.putTag('docker-hosted', 'app', '2');
        two.putTag('docker-hosted', 'app', '1');
        assert.equal(decodeItemId((await componentsPage(two, 'docker-hosted')).items[0]?.id ?? ''), 'docker-hosted:4f1bbcdd');
        assert.equal(two.requests.length, 1);
        assert.equal(one.requests.length, 0);
      });
    });
  });
});
