/**
 * What a hostile Notary can make the auditor fetch and hold: only delegations
 * that verified parents name, parents first; never more than a collection's
 * byte limit; never more than the scan's budget in flight (that GUN is
 * `error`, the scan goes on).
 */
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';

import { Agent } from 'undici';

import { DEFAULT_METADATA_LIMITS } from '../../src/notary/fetch-limits.js';
import { runScan } from '../../src/scan/scanner.js';
import { openDatabase } from '../../src/store/database.js';
import { applyMigrations } from '../../src/store/migrate.js';
import { scanDependencies } from '../support/scan-deps.js';
import { startScanWorld, type ScanWorld } from '../support/scan-world.js';
import { ed25519Key, generateCollection, generateKeys, targetFor, type CollectionKeys } from '../support/trust-factory.js';
import { codeOf, fetchAndVerify } from '../support/verify.js';

const MIGRATIONS = fileURLToPath(new URL('../../../migrations/', import.meta.url));
const PREFIX = '127.0.0.1:18079';

describe('what a hostile Notary can make the auditor fetch and hold', () => {
  let world: ScanWorld;
  let keys: CollectionKeys;
  const dispatcher = new Agent();

  before(async () => {
    world = await startScanWorld();
    keys = await generateKeys(world.dir, `${PREFIX}/budget`);
  });

  after(async () => {
    await dispatcher.close();
    await world?.stop();
  });

  /** Serves a generated collection for `image` through the world's Notary route; returns its GUN. */
  const serve = async (image: string, spec: Partial<Parameters<typeof generateCollection>[0]>): Promise<string> => {
    const gun = `${PREFIX}/${image}`;
    const collection = await generateCollection({
      gun,
      keys: image === 'budget' ? keys : await generateKeys(world.dir, gun),
      now: new Date(),
      targets: {},
      ...spec,
    });
    world.generated.setCollection(gun, collection.files);
    world.generatedGuns.add(gun);
    return gun;
  };

  it('fetches only delegations that verified parents name, each after its parent', async () => {
    const releasesKey = await ed25519Key();
    const childKey = await ed25519Key();
    const gun = await serve('parents', {
      delegations: [
        { name: 'targets/releases', keys: [releasesKey], targets: { v1: targetFor('v1') } },
        { name: 'targets/releases/ci', keys: [childKey], targets: { v2: targetFor('v2') } },
      ],
      editSnapshotMeta: (meta) => {
        // Listed by the (server-signed) snapshot, named by no verified parent.
        for (let i = 0; i < 50; i++) {
          meta[`targets/decoy${i}`] = { ...(meta['targets/releases'] as object) };
        }
      },
    });
    const before = world.generated.requests.length;

    const verified = await fetchAndVerify(world.notaryProxy.url, gun);

    assert.equal(codeOf(verified), 'ok');
    const roles = world.generated.requests.slice(before).map((path) => path.replace(/^.*\/_trust\/tuf\//, '').replace(/\.[0-9a-f]{64}\.json$|\.json$/, ''));
    assert.deepEqual(
      roles.filter((role) => role.includes('decoy')),
      []
    );
    assert.ok(roles.indexOf('targets/releases') > roles.indexOf('targets'), roles.join(' '));
    assert.ok(roles.indexOf('targets/releases/ci') > roles.indexOf('targets/releases'), roles.join(' '));
  });

  it('stops a collection at its byte limit: TOO_LARGE, nothing judged signed', async () => {
    const delegationKeys = await Promise.all(Array.from({ length: 4 }, () => ed25519Key()));
    const big = Object.fromEntries(Array.from({ length: 400 }, (_, i) => [`tag-${i}-${'x'.repeat(100)}`, targetFor(`t${i}`)]));
    const gun = await serve('heavy', {
      delegations: delegationKeys.map((key, i) => ({ name: `targets/d${i}`, keys: [key], targets: big })),
    });

    const limited = await fetchAndVerify(world.notaryProxy.url, gun, { limits: { ...DEFAULT_METADATA_LIMITS, collection: 200_000 } });
    const unlimited = await fetchAndVerify(world.notaryProxy.url, gun);

    assert.equal(limited.evidence.kind, 'unavailable');
    assert.equal(limited.error?.code, 'TOO_LARGE');
    assert.match(limited.error?.message ?? '', /takes the collection past its limit of 200000 bytes/);
    assert.equal(codeOf(unlimited), 'ok');
  });

  it('a scan whose budget in flight is exhausted turns those GUNs to error and goes on, partial', async () => {
    world.nexus.addRepository({ name: 'docker-hosted', type: 'hosted' });
    await serve('budget', { targets: { v1: targetFor('budget-v1') } });
    world.push('docker-hosted', 'budget', 'v1');
    const db = openDatabase(`${world.dir}/budget.db`);
    try {
      applyMigrations(db, MIGRATIONS);
      const result = await runScan(scanDependencies(world, db, dispatcher), {
        repositories: [{ name: 'docker-hosted', gunPrefix: PREFIX }],
        registrySample: 0,
        inFlightBytes: 100,
      });

      assert.equal(result.outcome, 'partial');
      assert.equal(result.summary.error, 1);
      assert.ok(
        result.problems.some((problem) => /does not fit in the scan's budget of 100 bytes in flight/.test(problem)),
        result.problems.join('\n')
      );
    } finally {
      db.close();
    }
  });
});
