/**
 * inspect against the real notary-server with trust data published by the real
 * notary client: targets, a targets/releases delegation, a tag only in another
 * delegation, and a GUN without trust data. For each, `inspect --json` must
 * list what `notary list` lists, with docker's rule applied.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';

import { NotaryCli, type ListedTarget } from '../support/notary-cli.js';
import { startNotaryServer, type NotaryServer } from '../support/notary-server.js';
import { makeEcCertificate } from '../support/openssl.js';
import { runCli } from '../support/cli.js';
import { makeTempDir } from '../support/temp.js';

interface InspectJson {
  gun: string;
  status: string;
  reason: string | null;
  targets: { tag: string; digest: string; length: number; role: string }[];
  roles: { role: string; version: number; expires: string }[];
}

const REGISTRY = '127.0.0.1:18079';
const GUNS = {
  targetsOnly: `${REGISTRY}/team/app`,
  releases: `${REGISTRY}/releases-app`,
  alice: `${REGISTRY}/alice-app`,
  none: `${REGISTRY}/never-signed`,
};

function fakeManifest(): { sha256: string; size: number } {
  const bytes = randomBytes(300 + Math.floor(Math.random() * 500));
  return { sha256: createHash('sha256').update(bytes).digest('hex'), size: bytes.length };
}

/** docker's rule over `notary list` output: targets/releases first, then targets; other roles ignored. */
function dockerView(rows: readonly ListedTarget[]): Map<string, ListedTarget> {
  const view = new Map<string, ListedTarget>();
  for (const role of ['targets/releases', 'targets']) {
    for (const row of rows) {
      if (row.role === role && !view.has(row.name)) {
        view.set(row.name, row);
      }
    }
  }
  return view;
}

describe('inspect against the real notary-server', () => {
  let dir: { path: string; remove(): Promise<void> };
  let server: NotaryServer;
  let cli: NotaryCli;

  before(async () => {
    dir = await makeTempDir('notary-real');
    server = await startNotaryServer({ dir: dir.path });
    cli = new NotaryCli({ trustDir: `${dir.path}/trust`, serverUrl: server.url, workDir: `${dir.path}/work` });

    await cli.init(GUNS.targetsOnly);
    for (const tag of ['v1', 'v2', 'latest']) {
      const manifest = fakeManifest();
      await cli.addHash(GUNS.targetsOnly, tag, manifest.sha256, manifest.size);
    }
    await cli.publish(GUNS.targetsOnly);

    const releasesKey = await makeEcCertificate(dir.path, 'releases', 'releases');
    await cli.init(GUNS.releases);
    await cli.addDelegation(GUNS.releases, 'targets/releases', releasesKey.certFile, releasesKey.keyFile);
    const shared = fakeManifest();
    await cli.addHash(GUNS.releases, 'stable', shared.sha256, shared.size, 'targets/releases');
    const released = fakeManifest();
    await cli.addHash(GUNS.releases, '1.0', released.sha256, released.size, 'targets/releases');
    await cli.publish(GUNS.releases);
    // The same tag in targets with another digest: docker pull uses the releases one.
    const conflicting = fakeManifest();
    await cli.addHash(GUNS.releases, 'stable', conflicting.sha256, conflicting.size, 'targets');
    const adminOnly = fakeManifest();
    await cli.addHash(GUNS.releases, 'admin-only', adminOnly.sha256, adminOnly.size, 'targets');
    await cli.publish(GUNS.releases);

    const aliceKey = await makeEcCertificate(dir.path, 'alice', 'alice');
    await cli.init(GUNS.alice);
    await cli.addDelegation(GUNS.alice, 'targets/alice', aliceKey.certFile, aliceKey.keyFile);
    const aliceOnly = fakeManifest();
    await cli.addHash(GUNS.alice, 'alice-only', aliceOnly.sha256, aliceOnly.size, 'targets/alice');
    const top = fakeManifest();
    await cli.addHash(GUNS.alice, 'top', top.sha256, top.size, 'targets');
    await cli.publish(GUNS.alice);
  });

  after(async () => {
    await server?.stop();
    await dir?.remove();
  });

  for (const name of ['targetsOnly', 'releases', 'alice'] as const) {
    it(`lists what notary list lists for the ${name} GUN, with docker's rule`, async () => {
      const gun = GUNS[name];
      const listed = dockerView(await cli.list(gun, ['targets/releases', 'targets']));

      const result = await runCli(['inspect', gun, '--notary', server.url, '--json']);

      assert.equal(result.code, 0, result.stderr);
      const report = JSON.parse(result.stdout) as InspectJson;
      assert.equal(report.status, 'valid');
      assert.equal(report.gun, gun);
      assert.ok(listed.size > 0);
      assert.deepEqual(
        report.targets.map((t) => [t.tag, t.digest, t.length, t.role]).sort(),
        [...listed.values()].map((row) => [row.name, `sha256:${row.digest}`, row.size, row.role]).sort()
      );
    });
  }

  it('honours targets/releases over targets for the same tag', async () => {
    const result = await runCli(['inspect', GUNS.releases, '--notary', server.url, '--json']);

    const report = JSON.parse(result.stdout) as InspectJson;
    const stable = report.targets.filter((t) => t.tag === 'stable');
    assert.equal(stable.length, 1);
    assert.equal(stable[0]?.role, 'targets/releases');
    assert.deepEqual(report.roles.map((r) => r.role).sort(), ['root', 'root-certificate', 'snapshot', 'targets', 'targets/releases', 'timestamp']);
  });

  it('does not honour a tag signed only in targets/alice', async () => {
    const all = await cli.list(GUNS.alice);
    assert.ok(all.some((row) => row.name === 'alice-only' && row.role === 'targets/alice'));

    const result = await runCli(['inspect', GUNS.alice, '--notary', server.url, '--json']);

    const report = JSON.parse(result.stdout) as InspectJson;
    assert.deepEqual(
      report.targets.map((t) => t.tag),
      ['top']
    );
  });

  it('reports a GUN without trust data as unsigned with exit status 1', async () => {
    const result = await runCli(['inspect', GUNS.none, '--notary', server.url, '--json']);

    assert.equal(result.code, 1);
    const report = JSON.parse(result.stdout) as InspectJson;
    assert.equal(report.status, 'unsigned');
    assert.deepEqual(report.targets, []);
  });

  it('prints every role with its version and expiry in the human output', async () => {
    const result = await runCli(['inspect', GUNS.releases, '--notary', server.url]);

    assert.equal(result.code, 0);
    assert.match(result.stdout, /^Status:\s+valid$/m);
    assert.match(result.stdout, /^targets\/releases\s+\d+\s+\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/m);
    assert.match(result.stdout, /^stable\s+sha256:[0-9a-f]{64}\s+\d+\s+targets\/releases$/m);
  });

  it('forecasts: the timestamp counts as renewed (notary-server re-signs it), what its publisher signs lapses', async () => {
    // 15 days on, notary-server's 14-day timestamp has been renewed on demand: still valid.
    const soon = await runCli(['inspect', GUNS.targetsOnly, '--notary', server.url, '--json', '--at', new Date(Date.now() + 15 * 86_400_000).toISOString()]);
    // Four years on, the targets and snapshot the client signed (three years) have lapsed.
    const late = await runCli(['inspect', GUNS.targetsOnly, '--notary', server.url, '--json', '--at', new Date(Date.now() + 4 * 365 * 86_400_000).toISOString()]);

    assert.equal(soon.code, 0, soon.stdout);
    assert.equal((JSON.parse(soon.stdout) as InspectJson).status, 'valid');
    assert.equal(late.code, 1);
    const report = JSON.parse(late.stdout) as InspectJson;
    assert.equal(report.status, 'expired');
    assert.match(report.reason ?? '', /^expired: .*targets at \S+/);
    assert.doesNotMatch(report.reason ?? '', /timestamp/);
  });

  it('reports the root certificate expired ten years on', async () => {
    const at = new Date(Date.now() + 3651 * 86_400_000).toISOString();

    const result = await runCli(['inspect', GUNS.targetsOnly, '--notary', server.url, '--json', '--at', at]);

    const report = JSON.parse(result.stdout) as InspectJson;
    assert.equal(report.status, 'expired');
    assert.match(report.reason ?? '', /root-certificate/);
  });
});
