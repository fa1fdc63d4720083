/**
 * Fetch hints from unverified metadata (src/notary/core/locate.ts): the
 * consistent name (sha256) and length of every file, or nothing when the
 * file cannot be read.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';

import { locateRoles, locateSnapshot } from '../../../src/notary/core/locate.js';
import { sha256Hex } from '../../../src/lib/digest.js';
import { ecdsaKey, ed25519Key, generateCollection, targetFor, type GeneratedCollection } from '../../support/trust-factory.js';

const NOW = new Date(Math.floor(Date.now() / 1000) * 1000);

describe('locate', () => {
  let collection: GeneratedCollection;
  const file = (role: string): Uint8Array => collection.files.get(role) as Uint8Array;

  before(async () => {
    const releasesKey = await ed25519Key();
    collection = await generateCollection({
      gun: 'registry.example/locate',
      // Nothing here checks a signature or a certificate: a plain key stands in for root's.
      keys: { root: [ecdsaKey()], targets: ecdsaKey(), snapshot: await ed25519Key(), timestamp: await ed25519Key() },
      now: NOW,
      targets: { v1: targetFor('v1') },
      delegations: [{ name: 'targets/releases', keys: [releasesKey], targets: {} }],
    });
  });

  it('names the snapshot by the sha256 and length the timestamp lists', () => {
    assert.deepEqual(locateSnapshot(file('timestamp')), { sha256: sha256Hex(file('snapshot')), length: file('snapshot').length });
  });

  it('names every file the snapshot lists', () => {
    const roles = locateRoles(file('snapshot'));
    assert.deepEqual(
      [...(roles ?? new Map()).entries()],
      ['root', 'targets', 'targets/releases'].map((role) => [role, { sha256: sha256Hex(file(role)), length: file(role).length }])
    );
  });

  it('names nothing from a file that is not a timestamp, or not a snapshot', () => {
    assert.equal(locateSnapshot(file('snapshot')), undefined);
    assert.equal(locateSnapshot(Buffer.from('not json')), undefined);
    assert.equal(locateRoles(file('timestamp')), undefined);
    assert.equal(locateRoles(Buffer.from('{}')), undefined);
  });
});
