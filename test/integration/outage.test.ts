/**
 * The outage rule: while Notary or Nexus cannot be reached, a finding seen
 * before keeps its status, its `statusSince` and its history (its alert does
 * not resolve and re-fire); a tag last seen signed becomes `error`, never a
 * stale `signed`; and all of it returns to fresh verdicts with the source.
 */
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';

import { Agent } from 'undici';

import type { NexusClient } from '../../src/nexus/nexus-client.js';
import { runScan } from '../../src/scan/scanner.js';
import { openDatabase, type Db } from '../../src/store/database.js';
import { applyMigrations } from '../../src/store/migrate.js';
import type { StoredTag } from '../../src/domain/verdict.js';
import { ScanStore } from '../../src/store/scan-store.js';
import { FetchError } from '../../src/lib/errors.js';
import { scanDependencies } from '../support/scan-deps.js';
import { startScanWorld, type ScanWorld } from '../support/scan-world.js';

const MIGRATIONS = fileURLToPath(new URL('../../../migrations/', import.meta.url));
const PREFIX = '127.0.0.1:18079';

describe('verdicts through a source outage', () => {
  let world: ScanWorld;
  let db: Db;
  const dispatcher = new Agent();

  before(async () => {
    world = await startScanWorld();
    world.nexus.addRepository({ name: 'docker-hosted', type: 'hosted' });
    await world.cli.init(`${PREFIX}/app`);
    const signed = world.push('docker-hosted', 'app', 'signed');
    await world.cli.addHash(`${PREFIX}/app`, 'signed', signed.sha256, signed.size);
    world.push('docker-hosted', 'app', 'repushed', 'first');
    const first = world.push('docker-hosted', 'app', 'repushed', 'first');
    await world.cli.addHash(`${PREFIX}/app`, 'repushed', first.sha256, first.size);
    await world.cli.publish(`${PREFIX}/app`);
    world.push('docker-hosted', 'app', 'repushed', 'second'); // signed first, serves second: digest_mismatch
    world.push('docker-hosted', 'other', 'unsigned');
    db = openDatabase(`${world.dir}/outage.db`);
    applyMigrations(db, MIGRATIONS);
  });

  after(async () => {
    db?.close();
    await dispatcher.close();
    await world?.stop();
  });

  const scan = async (nexusDown = false): Promise<Map<string, StoredTag>> => {
    const deps = scanDependencies(world, db, dispatcher);
    const nexus = nexusDown
      ? ({
          ...deps.nexus,
          requests: 0,
          // Nexus answers the repository list but not the components.
          listTags: async function* () {
            yield* [];
            throw new FetchError('CONNECTION', 'cannot connect to nexus (test outage)');
          },
        } as unknown as NexusClient)
      : deps.nexus;
    await runScan({ ...deps, nexus }, { repositories: [{ name: 'docker-hosted', gunPrefix: PREFIX }], registrySample: 0 });
    return new Map(new ScanStore(db).allTags().map((tag) => [`${tag.image}:${tag.tag}`, tag]));
  };
  const history = (image: string, tag: string): string[] => new ScanStore(db).tagHistory('docker-hosted', image, tag).map((h) => `${h.event} ${h.status}`);

  it('keeps findings and never keeps signed, through a Notary and a Nexus outage, then returns to fresh verdicts', async () => {
    const healthy = await scan();
    assert.deepEqual([...healthy.values()].map((t) => `${t.image}:${t.tag} ${t.status}`).sort(), ['app:repushed digest_mismatch', 'app:signed signed', 'other:unsigned unsigned']);
    const mismatchSince = healthy.get('app:repushed')?.statusSince;

    world.failingGuns.set(`${PREFIX}/app`, 503);
    const notaryDown = await scan();
    world.failingGuns.delete(`${PREFIX}/app`);

    assert.equal(notaryDown.get('app:repushed')?.status, 'digest_mismatch');
    assert.equal(notaryDown.get('app:repushed')?.statusSince, mismatchSince);
    assert.match(notaryDown.get('app:repushed')?.reason ?? '', /^SIGNED_DIGEST_DIFFERS: signed sha256:\w+, Nexus serves sha256:\w+ \[last known; timestamp\.json of .* HTTP 503/);
    assert.equal(notaryDown.get('app:signed')?.status, 'error');

    const nexusDown = await scan(true);

    assert.equal(nexusDown.get('other:unsigned')?.status, 'unsigned');
    assert.match(nexusDown.get('other:unsigned')?.reason ?? '', /\[last known; the repository could not be listed: cannot connect to nexus \(test outage\)\]$/);
    assert.equal(nexusDown.get('app:repushed')?.status, 'digest_mismatch');
    assert.equal(nexusDown.get('app:repushed')?.statusSince, mismatchSince);
    // One outage note, never two nested.
    assert.equal(nexusDown.get('app:repushed')?.reason?.split('[last known; ').length, 2);
    assert.equal(nexusDown.get('app:signed')?.status, 'error');

    const recovered = await scan();

    assert.equal(recovered.get('app:repushed')?.status, 'digest_mismatch');
    assert.equal(recovered.get('app:repushed')?.statusSince, mismatchSince);
    assert.doesNotMatch(recovered.get('app:repushed')?.reason ?? '', /last known/);
    assert.equal(recovered.get('app:signed')?.status, 'signed');
    // The finding's history: seen once, never interrupted; the signed tag's: the outage, then back.
    assert.deepEqual(history('app', 'repushed'), ['new digest_mismatch']);
    assert.deepEqual(history('other', 'unsigned'), ['new unsigned']);
    assert.deepEqual(history('app', 'signed'), ['new signed', 'status error', 'status signed']);
  });
});
