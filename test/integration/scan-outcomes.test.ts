/**
 * A failed scan looks failed: when no image's trust data could be fetched at
 * all, the scan is `failed` and exits 3 (a misconfiguration is not a
 * finding), and every scan that is not complete keeps why in its row.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { openDatabase } from '../../src/store/database.js';
import { ScanStore } from '../../src/store/scan-store.js';
import { runCli } from '../support/cli.js';
import { freePort } from '../support/processes.js';
import { startScanWorld, type ScanWorld } from '../support/scan-world.js';

const PREFIX = '127.0.0.1:18079';

describe('scan outcomes', () => {
  let world: ScanWorld;

  before(async () => {
    world = await startScanWorld();
    world.nexus.addRepository({ name: 'docker-hosted', type: 'hosted' });
    for (const image of ['app', 'web']) {
      await world.cli.init(`${PREFIX}/${image}`);
      const manifest = world.push('docker-hosted', image, 'v1');
      await world.cli.addHash(`${PREFIX}/${image}`, 'v1', manifest.sha256, manifest.size);
      await world.cli.publish(`${PREFIX}/${image}`);
    }
  });

  after(async () => world?.stop());

  const config = (name: string, nexusUrl: string, notaryUrl: string): Promise<string> =>
    world.writeConfig(
      `${name}.yaml`,
      `nexus:\n  url: ${nexusUrl}\n  repositories:\n    - name: docker-hosted\n      gunPrefix: ${PREFIX}\nnotary:\n  url: ${notaryUrl}\ndatabase: ${world.dir}/${name}.db\n`
    );

  const lastScan = (name: string): { outcome: string; error: string | null } => {
    const db = openDatabase(`${world.dir}/${name}.db`);
    try {
      const [scan] = new ScanStore(db).recentScans(1);
      assert.ok(scan);
      return { outcome: scan.outcome, error: scan.error };
    } finally {
      db.close();
    }
  };

  it('fails (exit 3) when the trust data of no image could be fetched, and says so', async () => {
    const closed = `http://127.0.0.1:${await freePort()}`;

    const result = await runCli(['scan', '--config', await config('no-notary', world.nexus.url, closed), '--json']);

    assert.equal(result.code, 3, result.stderr);
    const report = JSON.parse(result.stdout) as { scan: { outcome: string }; summary: { error: number } };
    assert.equal(report.scan.outcome, 'failed');
    assert.equal(report.summary.error, 2);
    assert.match(lastScan('no-notary').error ?? '', /^notary: the trust data of none of the 2 image\(s\) could be fetched \(notary: .*cannot connect/);
  });

  it("stays partial (exit 1) when only some images' trust data could not be fetched", async () => {
    world.failingGuns.set(`${PREFIX}/web`, 500);
    try {
      const result = await runCli(['scan', '--config', await config('one-down', world.nexus.url, world.notaryProxy.url), '--json']);

      assert.equal(result.code, 1, result.stderr);
      assert.equal((JSON.parse(result.stdout) as { scan: { outcome: string } }).scan.outcome, 'partial');
      assert.match(lastScan('one-down').error ?? '', /^notary: timestamp\.json of 127\.0\.0\.1:18079\/web: .*HTTP 500/);
    } finally {
      world.failingGuns.delete(`${PREFIX}/web`);
    }
  });

  it('keeps the error text of a scan that failed because Nexus was down after a good one', async () => {
    const good = await config('nexus-down', world.nexus.url, world.notaryProxy.url);
    assert.equal((await runCli(['scan', '--config', good])).code, 0);
    assert.deepEqual(lastScan('nexus-down'), { outcome: 'complete', error: null });
    const down = await config('nexus-down', `http://127.0.0.1:${await freePort()}`, world.notaryProxy.url);

    const result = await runCli(['scan', '--config', down]);

    assert.equal(result.code, 3);
    const scan = lastScan('nexus-down');
    assert.equal(scan.outcome, 'failed');
    assert.match(scan.error ?? '', /nexus: .*cannot connect/);
  });
});
