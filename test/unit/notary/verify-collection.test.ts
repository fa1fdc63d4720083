/**
 * verifyCollection (src/notary/core/verify-collection.ts) on generated trust
 * data: the failure paths verdict-codes.test.ts does not take (root rollback
 * and equivocation, a snapshot that names another root, every rotation
 * outcome, every way a delegation fails) and what it records when they happen.
 *
 * Root certificates are written by hand (test/support/der-builder.ts), valid
 * around one clock reading, so the file runs under faketime like the others
 * and starts no program.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { before, describe, it } from 'node:test';

import { assessCollection, checkedEvidence, judgeTag } from '../../../src/notary/core/assess.js';
import { sha256Hex } from '../../../src/lib/digest.js';
import {
  intermediateRootsNeeded,
  MAX_ROOT_WALK,
  NO_HISTORY,
  verifyCollection,
  type CollectionFailure,
  type TrustHistory,
  type VerifiedCollection,
} from '../../../src/notary/core/verify-collection.js';
import type { Result } from '../../../src/lib/result.js';
import { basicConstraints, certificateKey } from '../../support/der-builder.js';
import { releasesCollection, type CollectionBytes } from '../../support/collection-fixture.js';
import { rsaKey } from '../../support/key-encodings.js';
import { ecdsaKey, ed25519Key, keyIdOf, targetFor, type SigningKey } from '../../support/trust-factory.js';

const GUN = 'registry.example:5000/team/collection';
/** One clock reading: everything below, certificates included, is dated from it. */
const NOW = new Date(Math.floor(Date.now() / 1000) * 1000);
const DAY = 86_400_000;
const OLD = targetFor('manifest-old');
const NEW = targetFor('manifest-new');
const served = (target: { sha256Hex: string; length: number }): { digest: string; size: number } => ({ digest: `sha256:${target.sha256Hex}`, size: target.length });

type Bytes = CollectionBytes;
type Verification = Result<VerifiedCollection, CollectionFailure>;

/** A root key: a hand-written leaf certificate for the GUN, valid from yesterday for ten years. */
function rootKey(commonName = GUN): SigningKey {
  return certificateKey({
    commonName,
    notBefore: new Date(NOW.getTime() - DAY),
    notAfter: new Date(NOW.getTime() + 3650 * DAY),
    extensions: [basicConstraints('absent')],
  });
}

function verify(bytes: Bytes, history: TrustHistory = NO_HISTORY): Verification {
  return verifyCollection(GUN, bytes, history, NOW);
}

function failed(verification: Verification): CollectionFailure {
  assert.ok(!verification.ok, 'expected the collection to fail');
  return verification.error;
}

function verified(verification: Verification): VerifiedCollection {
  assert.ok(verification.ok, verification.ok ? '' : `${verification.error.code}@${verification.error.role}: ${verification.error.detail}`);
  return verification.value;
}

/** sha256 and sha512 (base64) and length of bytes, as a snapshot lists a file. */
function listing(bytes: Uint8Array): { hashes: { sha256: string; sha512: string }; length: number } {
  return {
    hashes: { sha256: createHash('sha256').update(bytes).digest('base64'), sha512: createHash('sha512').update(bytes).digest('base64') },
    length: bytes.length,
  };
}

describe('verifyCollection', () => {
  const fixture = releasesCollection({
    gun: GUN,
    now: NOW,
    inTargets: OLD,
    inReleases: NEW,
    keys: async () => ({ root: [rootKey()], targets: ecdsaKey(), snapshot: await ed25519Key(), timestamp: await ed25519Key() }),
  });
  const build: typeof fixture.build = (overrides) => fixture.build(overrides);

  it('verifies the generated collection and records every role it verified', async () => {
    const collection = verified(verify(await build()));
    assert.deepEqual(
      collection.roles.map((role) => role.role),
      ['root', 'root-certificate', 'timestamp', 'snapshot', 'targets', 'targets/releases']
    );
    assert.equal(judgeTag(checkedEvidence(verify(await build())), 'v1', served(NEW), NOW).status, 'signed');
  });

  describe('root', () => {
    it('is a rollback when its version is lower than the one seen before', async () => {
      const bytes = await build();
      const failure = failed(verify(bytes, { roles: new Map([['root', { version: 2, sha256: 'f'.repeat(64) }]]) }));
      assert.equal(failure.code, 'ROLLBACK');
      assert.equal(failure.role, 'root');
      assert.equal(failure.detail, 'root version 1 is lower than version 2 seen before');
      assert.deepEqual(failure.roles, []);
    });

    it('is a rollback when the same version was seen with other bytes (equivocation), and fine with the same bytes', async () => {
      const bytes = await build();
      const failure = failed(verify(bytes, { roles: new Map([['root', { version: 1, sha256: 'f'.repeat(64) }]]) }));
      assert.equal(failure.code, 'ROLLBACK');
      assert.equal(failure.detail, 'root version 1 differs from the version 1 seen before');
      verified(verify(bytes, { roles: new Map([['root', { version: 1, sha256: sha256Hex(bytes.root) }]]) }));
    });

    it('fails THRESHOLD_NOT_MET, not ROOT_CERTIFICATE_INVALID, when its certificates are fine but the wrong key signed', async () => {
      const failure = failed(verify(await build({ signers: { root: [rootKey()] } })));
      assert.equal(failure.code, 'THRESHOLD_NOT_MET');
      assert.equal(failure.role, 'root');
      // The role is named once, by the failure's `role` (the reason reads "root: 0 valid…", not "root: root: …").
      assert.equal(failure.detail, '0 valid signature(s) from distinct keys, threshold 1 (1 signature(s), 0 by listed keys)');
    });

    it('fails ROOT_CERTIFICATE_INVALID when a refused certificate is why the threshold is not met', async () => {
      const foreign = rootKey('registry.example:5000/team/other');
      const failure = failed(verify(await build({ keys: { ...fixture.keys, root: [foreign] } })));
      assert.equal(failure.code, 'ROOT_CERTIFICATE_INVALID');
      assert.match(failure.detail, /does not match GUN/);
    });

    it('fails KEY_ID_MISMATCH for a root key listed under an id that is not its own, though its certificate is fine', async () => {
      const [own] = fixture.keys.root as [SigningKey];
      const foreignId = keyIdOf('ecdsa-x509', 'another key');
      const alias: SigningKey = { ...own, id: foreignId };
      const failure = failed(verify(await build({ keys: { ...fixture.keys, root: [alias] } })));
      assert.equal(failure.code, 'KEY_ID_MISMATCH');
      assert.equal(failure.role, 'root');
      assert.equal(failure.detail, `key listed as ${foreignId} has id ${own.id}`);
    });

    it('must be the root the snapshot lists, by hash and by length', async () => {
      const otherHash = failed(
        verify(await build({ editSnapshotMeta: (meta) => void ((meta['root'] as { hashes: { sha256: string } }).hashes.sha256 = Buffer.alloc(32).toString('base64')) }))
      );
      assert.equal(otherHash.code, 'HASH_MISMATCH');
      assert.equal(otherHash.role, 'root');
      assert.equal(otherHash.detail, 'root sha256 differs from the hash in snapshot');
      assert.deepEqual(
        otherHash.roles.map((role) => role.role),
        ['root', 'root-certificate', 'timestamp', 'snapshot']
      );

      const otherLength = failed(verify(await build({ editSnapshotMeta: (meta) => void ((meta['root'] as { length: number }).length += 1) })));
      assert.equal(otherLength.code, 'LENGTH_MISMATCH');
      assert.equal(otherLength.role, 'root');
      assert.match(otherLength.detail, /^root is \d+ bytes, snapshot says \d+$/);
    });
  });

  describe('root rotation from the pinned root', () => {
    let oldRootKey: SigningKey;
    let pinned: Bytes;

    before(async () => {
      oldRootKey = fixture.keys.root[0] as SigningKey;
      pinned = await build();
    });

    /** A later collection whose root lists `rootKeys` and is signed by `signers`. */
    const rotated = (version: number, rootKeys: SigningKey[], signers: SigningKey[]): Promise<Bytes> =>
      build({ keys: { ...fixture.keys, root: rootKeys }, versions: { root: version }, signers: { root: signers } });

    it('refuses a pinned root that cannot be parsed', async () => {
      const failure = failed(verify(await rotated(2, [oldRootKey], [oldRootKey]), { pinnedRoot: Buffer.from('{}'), roles: new Map() }));
      assert.equal(failure.code, 'ROOT_ROTATION_INVALID');
      assert.equal(failure.detail, 'pinned root cannot be parsed: metadata has no "signed"');
    });

    it('is a rollback below the pinned version, even when signed by the pinned keys', async () => {
      const pinnedV3 = await rotated(3, [oldRootKey], [oldRootKey]);
      const failure = failed(verify(pinned, { pinnedRoot: pinnedV3.root, roles: new Map() }));
      assert.equal(failure.code, 'ROLLBACK');
      assert.equal(failure.detail, 'root version 1 is lower than pinned version 3');
    });

    it('accepts a new root key when the pinned root key also signed the new root', async () => {
      const newRootKey = rootKey();
      const collection = verified(verify(await rotated(2, [newRootKey], [oldRootKey, newRootKey]), { pinnedRoot: pinned.root, roles: new Map() }));
      assert.equal(collection.roles[0]?.version, 2);
    });

    it('refuses a new root key that only the new key signed', async () => {
      const newRootKey = rootKey();
      const failure = failed(verify(await rotated(2, [newRootKey], [newRootKey]), { pinnedRoot: pinned.root, roles: new Map() }));
      assert.equal(failure.code, 'ROOT_ROTATION_INVALID');
      assert.match(failure.detail, /^root version 2 is not signed by the pinned root \(version 1\)/);
    });

    it('walks intermediate roots, each signed by the one before', async () => {
      const second = rootKey();
      const third = rootKey();
      const intermediate = await rotated(2, [second], [oldRootKey, second]);
      const current = await rotated(3, [third], [second, third]);
      const history = { pinnedRoot: pinned.root, intermediateRoots: [intermediate.root], roles: new Map() };
      assert.equal(verified(verify(current, history)).roles[0]?.version, 3);
    });

    it('refuses an intermediate root not signed by the root before it, or that cannot be loaded', async () => {
      const second = rootKey();
      const third = rootKey();
      const unsigned = await rotated(2, [second], [second]);
      const current = await rotated(3, [third], [second, third]);
      for (const intermediateRoots of [[unsigned.root], [Buffer.from('not json')]]) {
        const failure = failed(verify(current, { pinnedRoot: pinned.root, intermediateRoots, roles: new Map() }));
        assert.equal(failure.code, 'ROOT_ROTATION_INVALID');
        assert.equal(failure.detail, 'intermediate root 1 is not signed by the root before it');
      }
    });

    it('refuses a root the intermediates lead to but that the last of them did not sign', async () => {
      const second = rootKey();
      const third = rootKey();
      const intermediate = await rotated(2, [second], [oldRootKey, second]);
      const current = await rotated(3, [third], [third]);
      const failure = failed(verify(current, { pinnedRoot: pinned.root, intermediateRoots: [intermediate.root], roles: new Map() }));
      assert.equal(failure.code, 'ROOT_ROTATION_INVALID');
      assert.match(failure.detail, /^root version 3 is not signed by the pinned root \(version 1\)/);
    });

    it('names the intermediate root versions a walk needs, and only when it needs them', async () => {
      const second = rootKey();
      const fourth = rootKey();
      const history = (pinnedRoot: Uint8Array | undefined) => ({ pinnedRoot, roles: new Map() });
      const farAhead = await rotated(4, [fourth], [fourth]);
      assert.deepEqual(intermediateRootsNeeded(farAhead.root, history(pinned.root)), { from: 2, to: 3 });

      const signedByPinned = await rotated(4, [fourth], [oldRootKey, fourth]);
      const nextVersion = await rotated(2, [second], [second]);
      const tooFar = await rotated(2 + MAX_ROOT_WALK, [fourth], [fourth]);
      const cases: [string, Uint8Array, Uint8Array | undefined][] = [
        ['nothing pinned yet', farAhead.root, undefined],
        ['the pinned root itself', pinned.root, pinned.root],
        ['a pinned root that cannot be parsed', farAhead.root, Buffer.from('{}')],
        ['a new root that cannot be parsed', Buffer.from('not json'), pinned.root],
        ['one version ahead', nextVersion.root, pinned.root],
        ['a lower version', pinned.root, farAhead.root],
        ['further ahead than a walk goes', tooFar.root, pinned.root],
        ['signed by the pinned root directly', signedByPinned.root, pinned.root],
      ];
      for (const [name, root, pinnedRoot] of cases) {
        assert.equal(intermediateRootsNeeded(root, history(pinnedRoot)), undefined, name);
      }
    });
  });

  it('fails the snapshot that the timestamp lists correctly when it is malformed, keeping the roles verified before', async () => {
    const failure = failed(verify(await build({ editSigned: { snapshot: (signed) => void delete (signed['meta'] as { [key: string]: unknown })['root'] } })));
    assert.equal(failure.code, 'MALFORMED_METADATA');
    assert.equal(failure.role, 'snapshot');
    assert.equal(failure.detail, 'signed.meta has no "root"');
    assert.deepEqual(
      failure.roles.map((role) => role.role),
      ['root', 'root-certificate', 'timestamp']
    );
  });

  describe('a delegation', () => {
    const releasesOf = (collection: VerifiedCollection): ReturnType<VerifiedCollection['delegations']['get']> => collection.delegations.get('targets/releases');

    function invalid(collection: VerifiedCollection): { code: string; detail: string } {
      const state = releasesOf(collection);
      assert.equal(state?.state, 'invalid');
      assert.ok(state?.state === 'invalid');
      // An invalid delegation is not a verified role of the collection.
      assert.ok(!collection.roles.some((role) => role.role === 'targets/releases'));
      return { code: state.failure.code, detail: state.failure.detail };
    }

    it('declared twice makes its parent malformed, as the notary client refuses it ("has already been loaded")', async () => {
      const bytes = await build({
        editSigned: {
          targets: (signed) => {
            const roles = (signed['delegations'] as { roles: { [key: string]: unknown }[] }).roles;
            roles.push({ ...roles[0], threshold: 2 });
          },
        },
      });
      const failure = failed(verify(bytes));
      assert.equal(failure.code, 'MALFORMED_METADATA');
      assert.equal(failure.role, 'targets');
      assert.match(failure.detail, /"targets\/releases" is declared twice/);
    });

    it('is HASH_MISMATCH when the bytes served are not those the snapshot lists, and its tags do not fall back to targets', async () => {
      const bytes = await build();
      const other = await build({ delegations: [{ name: 'targets/releases', keys: [fixture.releasesKey], targets: { v1: OLD } }] });
      bytes.delegations.set('targets/releases', other.delegations.get('targets/releases') as Uint8Array);
      assert.deepEqual(invalid(verified(verify(bytes))), { code: 'HASH_MISMATCH', detail: 'targets/releases sha256 differs from the hash in snapshot' });
      const judgement = judgeTag(checkedEvidence(verify(bytes)), 'v1', served(OLD), NOW);
      assert.equal(judgement.status, 'invalid');
      assert.equal(judgement.reasonCode, 'HASH_MISMATCH');
    });

    it('is LENGTH_MISMATCH when the snapshot lists another length', async () => {
      const bytes = await build({ editSnapshotMeta: (meta) => void ((meta['targets/releases'] as { length: number }).length -= 1) });
      const { code, detail } = invalid(verified(verify(bytes)));
      assert.equal(code, 'LENGTH_MISMATCH');
      assert.match(detail, /^targets\/releases is (\d+) bytes, snapshot says \d+$/);
    });

    it('is MALFORMED_METADATA when the listed bytes are not Notary metadata', async () => {
      const garbage = Buffer.from('{"signed":{}}');
      const bytes = await build({ editSnapshotMeta: (meta) => void (meta['targets/releases'] = listing(garbage)) });
      bytes.delegations.set('targets/releases', garbage);
      assert.deepEqual(invalid(verified(verify(bytes))), { code: 'MALFORMED_METADATA', detail: 'metadata has no "signatures"' });
    });

    it('is WRONG_TYPE when the listed bytes are another role', async () => {
      const { timestamp } = await build();
      const withTimestamp = await build({ editSnapshotMeta: (meta) => void (meta['targets/releases'] = listing(timestamp)) });
      withTimestamp.delegations.set('targets/releases', timestamp);
      assert.deepEqual(invalid(verified(verify(withTimestamp))), { code: 'WRONG_TYPE', detail: '_type is "Timestamp", expected "Targets"' });
    });

    it('is a rollback below the version seen before', async () => {
      const history = { roles: new Map([['targets/releases', { version: 2, sha256: 'f'.repeat(64) }]]) };
      assert.deepEqual(invalid(verified(verify(await build(), history))), { code: 'ROLLBACK', detail: 'targets/releases version 1 is lower than version 2 seen before' });
    });

    it('signed only by an RSA key of 2047 bits is THRESHOLD_NOT_MET (notary refuses keys under 2048 bits)', async () => {
      const weakKey = rsaKey({ bits: 2047 });
      const bytes = await build({ delegations: [{ name: 'targets/releases', keys: [weakKey], targets: { v1: NEW } }] });
      const { code, detail } = invalid(verified(verify(bytes)));
      assert.equal(code, 'THRESHOLD_NOT_MET');
      assert.equal(detail, '0 valid signature(s) from distinct keys, threshold 1 (1 signature(s), 1 by listed keys)');
      const evidence = checkedEvidence(verify(bytes));
      assert.equal(judgeTag(evidence, 'v1', served(NEW), NOW).status, 'invalid');
      assert.equal(assessCollection(evidence, NOW).status, 'invalid');
    });
  });
});
