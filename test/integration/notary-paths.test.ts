/**
 * Names from a snapshot that is not yet verified never leave Notary's
 * metadata path: a meta key such as `targets/../../../admin/x?y#` is not
 * fetched, with or without credentials, and the collection still verifies.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { runCli } from '../support/cli.js';
import { startStaticNotary, type StaticNotary } from '../support/static-notary.js';
import { makeTempDir } from '../support/temp.js';
import { ed25519Key, generateCollection, generateKeys, targetFor } from '../support/trust-factory.js';

const GUN = 'registry.example:5000/team/paths';

describe('delegation names from an unverified snapshot', () => {
  let dir: { path: string; remove(): Promise<void> };
  let notary: StaticNotary;

  before(async () => {
    dir = await makeTempDir('paths');
    notary = await startStaticNotary();
    const releasesKey = await ed25519Key();
    const collection = await generateCollection({
      gun: GUN,
      keys: await generateKeys(dir.path, GUN),
      now: new Date(),
      targets: {},
      delegations: [{ name: 'targets/releases', keys: [releasesKey], targets: { v1: targetFor('v1') } }],
      editSnapshotMeta: (meta) => {
        // Listed and signed by the snapshot key, as a hostile server could.
        for (const name of ['targets/../../../admin/x?y#', 'targets/%2e%2e/%2e%2e/admin', 'targets/releases/../../../../admin']) {
          meta[name] = { ...(meta['targets/releases'] as object) };
        }
      },
    });
    notary.setCollection(GUN, collection.files);
  });

  after(async () => {
    await notary?.stop();
    await dir?.remove();
  });

  it("are fetched only when they follow the delegation grammar, and only under the GUN's metadata path", async () => {
    const result = await runCli(['inspect', GUN, '--notary', `${notary.url}/`, '--json']);

    assert.equal(result.code, 0, result.stderr);
    const report = JSON.parse(result.stdout) as { status: string; targets: { tag: string; role: string }[] };
    assert.equal(report.status, 'valid');
    assert.deepEqual(
      report.targets.map((t) => [t.tag, t.role]),
      [['v1', 'targets/releases']]
    );
    assert.ok(notary.requests.length >= 5);
    for (const path of notary.requests) {
      assert.match(path, new RegExp(`^/v2/${GUN.replace(/[.]/g, '\\.')}/_trust/tuf/(timestamp|snapshot|root|targets|targets/releases)(\\.[0-9a-f]{64})?\\.json$`), path);
    }
  });
});
