/**
 * Incremental rescans against the real notary-server: an unchanged image costs
 * exactly one Notary request (its timestamp), a changed one only the files whose
 * hashes changed, and verdicts that did not change are not rewritten.
 */
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';

import { Agent } from 'undici';

import { runScan, type ScanResult } from '../../src/scan/scanner.js';
import { openDatabase, type Db } from '../../src/store/database.js';
import { applyMigrations } from '../../src/store/migrate.js';
import { scanDependencies } from '../support/scan-deps.js';
import { startScanWorld, type ScanWorld } from '../support/scan-world.js';

const MIGRATIONS = fileURLToPath(new URL('../../../migrations/', import.meta.url));
const PREFIX = '127.0.0.1:18079';
const IMAGES = ['alpha', 'beta', 'gamma'];

describe('incremental rescans', () => {
  let world: ScanWorld;
  let db: Db;
  const dispatcher = new Agent();

  before(async () => {
    world = await startScanWorld();
    world.nexus.addRepository({ name: 'docker-hosted', type: 'hosted' });
    for (const image of IMAGES) {
      await world.cli.init(`${PREFIX}/${image}`);
      for (const tag of ['1', '2']) {
        const manifest = world.push('docker-hosted', image, tag);
        await world.cli.addHash(`${PREFIX}/${image}`, tag, manifest.sha256, manifest.size);
      }
      await world.cli.publish(`${PREFIX}/${image}`);
    }
    db = openDatabase(`${world.dir}/incremental.db`);
    applyMigrations(db, MIGRATIONS);
  });

  after(async () => {
    db?.close();
    await dispatcher.close();
    await world?.stop();
  });

  const scan = async (evaluateAt?: Date): Promise<{ result: ScanResult; paths: string[] }> => {
    const before = world.notaryProxy.requests.length;
    const result = await runScan(scanDependencies(world, db, dispatcher), {
      repositories: [{ name: 'docker-hosted', gunPrefix: PREFIX }],
      registrySample: 0,
      evaluateAt,
    });
    return { result, paths: world.notaryProxy.requests.slice(before).map((path) => path.replace(/^.*\/_trust\/tuf\//, '').replace(/[0-9a-f]{64}/, 'H')) };
  };

  it('fetches and verifies everything on the first scan', async () => {
    const { result, paths } = await scan();

    assert.equal(result.summary.signed, 6);
    assert.equal(result.unchangedImages, 0);
    assert.equal(result.verdictsWritten, 6);
    assert.equal(paths.length, 4 * IMAGES.length);
  });

  it('asks Notary once per image and writes nothing when nothing changed', async () => {
    const { result, paths } = await scan();

    assert.equal(result.summary.signed, 6);
    assert.equal(result.unchangedImages, IMAGES.length);
    assert.equal(result.notaryRequests, IMAGES.length);
    assert.deepEqual(
      paths,
      IMAGES.map(() => 'timestamp.json')
    );
    assert.equal(result.verdictsWritten, 0);
    const seen = db.prepare('SELECT DISTINCT last_scan_id AS id FROM tags').all() as { id: number }[];
    assert.deepEqual(
      seen.map((row) => row.id),
      [result.scanId],
      'every tag is marked seen by this scan'
    );
  });

  it('fetches only the changed files of a changed image, and rewrites only its changed verdicts', async () => {
    const manifest = world.push('docker-hosted', 'beta', '3');
    await world.cli.addHash(`${PREFIX}/beta`, '3', manifest.sha256, manifest.size);
    await world.cli.publish(`${PREFIX}/beta`);

    const { result, paths } = await scan();

    assert.equal(result.summary.signed, 7);
    assert.equal(result.unchangedImages, IMAGES.length - 1);
    assert.deepEqual(paths.sort(), ['snapshot.H.json', 'targets.H.json', 'timestamp.json', 'timestamp.json', 'timestamp.json'], 'root is reused by its hash');
    // beta's new tag, and beta's other tags, whose trustExpires moved with the re-signed timestamp.
    assert.equal(result.verdictsWritten, 3);
  });

  it('still judges expiry anew when nothing was fetched', async () => {
    // Four years on (a forecast): targets, signed for three years, has lapsed.
    const { result } = await scan(new Date(Date.now() + 4 * 365 * 86_400_000));

    assert.equal(result.unchangedImages, IMAGES.length);
    assert.equal(result.summary.expired, 7);
  });
});
