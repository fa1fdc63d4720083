/**
 * Every verdict code of the closed sets, produced from generated trust data
 * (test/support/trust-factory.ts, proved against the real notary client) and
 * checked by the pure core. The last test fails if a code was never produced.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { assessCollection, checkedEvidence, judgeTag, type TrustEvidence } from '../../../src/notary/core/assess.js';
import { COLLECTION_STATUSES, TAG_REASON_CODES, TAG_STATUSES, TRUST_FAILURE_CODES } from '../../../src/notary/core/codes.js';
import { sha256Hex } from '../../../src/lib/digest.js';
import { NO_HISTORY, verifyCollection, type TrustHistory } from '../../../src/notary/core/verify-collection.js';
import { makeTempDir } from '../../support/temp.js';
import {
  asCollectionBytes,
  ecdsaKey,
  ed25519Key,
  generateCollection,
  generateKeys,
  rootCertificateKey,
  targetFor,
  type CollectionKeys,
  type CollectionSpec,
  type SigningKey,
} from '../../support/trust-factory.js';

const GUN = 'registry.example:5000/team/app';
/**
 * One clock reading for the whole file: the root certificates that openssl makes
 * below are valid from the real current time, so a fixed date here would turn
 * every test red once the calendar passes it (or under faketime).
 */
const NOW = new Date(Math.floor(Date.now() / 1000) * 1000);
const DAY = 86_400_000;
const V1 = targetFor('manifest-v1');
const SERVED_V1 = { digest: `sha256:${V1.sha256Hex}`, size: V1.length };

const produced = new Set<string>();

const verifications = new WeakMap<TrustEvidence, ReturnType<typeof verifyCollection>>();

function check(spec: { bytes: ReturnType<typeof asCollectionBytes>; history?: TrustHistory; now?: Date }): TrustEvidence {
  const verification = verifyCollection(GUN, spec.bytes, spec.history ?? NO_HISTORY, spec.now ?? NOW);
  if (!verification.ok) {
    produced.add(verification.error.code);
  }
  const evidence = checkedEvidence(verification);
  verifications.set(evidence, verification);
  return evidence;
}

function failureOf(evidence: TrustEvidence): string {
  const verification = verifications.get(evidence);
  assert.ok(verification);
  return verification.ok ? 'ok' : `${verification.error.code}@${verification.error.role}`;
}

function judge(evidence: TrustEvidence, tag = 'v1', served = SERVED_V1, now = NOW): ReturnType<typeof judgeTag> {
  const judgement = judgeTag(evidence, tag, served, now);
  produced.add(`status:${judgement.status}`);
  if (judgement.reasonCode !== null) {
    produced.add(judgement.reasonCode);
  }
  return judgement;
}

function assess(evidence: TrustEvidence, now = NOW): ReturnType<typeof assessCollection> {
  const assessment = assessCollection(evidence, now);
  produced.add(`collection:${assessment.status}`);
  return assessment;
}

describe('verdict codes from generated trust data', () => {
  let dir: { path: string; remove(): Promise<void> };
  let keys: CollectionKeys;
  let releasesKey: SigningKey;
  let aliceKey: SigningKey;

  const build = async (overrides: Partial<CollectionSpec> = {}): Promise<ReturnType<typeof asCollectionBytes>> =>
    asCollectionBytes(
      await generateCollection({
        gun: GUN,
        keys,
        now: NOW,
        targets: { v1: V1, 'admin-only': targetFor('admin') },
        delegations: [
          { name: 'targets/releases', keys: [releasesKey], targets: { v1: V1 } },
          { name: 'targets/alice', keys: [aliceKey], targets: { 'alice-only': targetFor('alice') } },
        ],
        ...overrides,
      })
    );

  before(async () => {
    dir = await makeTempDir('codes');
    keys = await generateKeys(dir.path, GUN);
    releasesKey = await ed25519Key();
    aliceKey = ecdsaKey();
  });

  after(async () => dir?.remove());

  describe('a well-formed collection', () => {
    it('is valid and signs v1 from targets/releases', async () => {
      const evidence = check({ bytes: await build() });

      assert.equal(failureOf(evidence), 'ok');
      assert.equal(assess(evidence).status, 'valid');
      const judgement = judge(evidence);
      assert.equal(judgement.status, 'signed');
      assert.equal(judgement.role, 'targets/releases');
      assert.equal(judgement.trustExpires?.getTime(), NOW.getTime() + 14 * DAY);
    });

    it('signs a tag from top-level targets when releases does not have it', async () => {
      const evidence = check({ bytes: await build() });

      const judgement = judge(evidence, 'admin-only', { digest: `sha256:${targetFor('admin').sha256Hex}`, size: targetFor('admin').length });

      assert.equal(judgement.status, 'signed');
      assert.equal(judgement.role, 'targets');
    });
  });

  describe('tag verdicts', () => {
    it('NO_TRUST_DATA: Notary has nothing for the GUN', () => {
      assert.equal(judge({ kind: 'absent' }).reasonCode, 'NO_TRUST_DATA');
      assert.equal(assess({ kind: 'absent' }).status, 'unsigned');
    });

    it('FETCH_FAILED: trust data could not be fetched; never signed', () => {
      const judgement = judge({ kind: 'unavailable', detail: 'connection refused' });

      assert.equal(judgement.status, 'error');
      assert.equal(judgement.reasonCode, 'FETCH_FAILED');
      assert.equal(assess({ kind: 'unavailable', detail: 'x' }).status, 'error');
    });

    it('NOT_SIGNED: the tag is in no role', async () => {
      const judgement = judge(check({ bytes: await build() }), 'nightly');

      assert.equal(judgement.status, 'unsigned');
      assert.equal(judgement.reasonCode, 'NOT_SIGNED');
    });

    it('ONLY_IN_OTHER_DELEGATION: a tag signed only by targets/alice is unsigned, naming the role', async () => {
      const judgement = judge(check({ bytes: await build() }), 'alice-only');

      assert.equal(judgement.status, 'unsigned');
      assert.equal(judgement.reasonCode, 'ONLY_IN_OTHER_DELEGATION');
      assert.match(judgement.reason ?? '', /targets\/alice/);
    });

    it('SIGNED_DIGEST_DIFFERS: the tag was re-pushed after signing', async () => {
      const judgement = judge(check({ bytes: await build() }), 'v1', { digest: `sha256:${'f'.repeat(64)}`, size: V1.length });

      assert.equal(judgement.status, 'digest_mismatch');
      assert.equal(judgement.reasonCode, 'SIGNED_DIGEST_DIFFERS');
      assert.equal(judgement.signedDigest, SERVED_V1.digest);
    });

    it('SIGNED_LENGTH_DIFFERS: same digest, other length', async () => {
      const judgement = judge(check({ bytes: await build() }), 'v1', { digest: SERVED_V1.digest, size: V1.length + 1 });

      assert.equal(judgement.status, 'digest_mismatch');
      assert.equal(judgement.reasonCode, 'SIGNED_LENGTH_DIFFERS');
    });

    it('EXPIRED: a tag whose chain holds an expired role, evaluated later', async () => {
      const evidence = check({ bytes: await build() });

      const judgement = judge(evidence, 'v1', SERVED_V1, new Date(NOW.getTime() + 15 * DAY));

      assert.equal(judgement.status, 'expired');
      assert.equal(judgement.reasonCode, 'EXPIRED');
      assert.equal(assess(evidence, new Date(NOW.getTime() + 15 * DAY)).status, 'expired');
    });

    it('an expired targets/releases expires its tags but not tags honoured from targets', async () => {
      const evidence = check({
        bytes: await build({
          delegations: [{ name: 'targets/releases', keys: [releasesKey], targets: { v1: V1 }, expires: new Date(NOW.getTime() - DAY) }],
        }),
      });

      assert.equal(judge(evidence, 'v1').status, 'expired');
      const admin = targetFor('admin');
      assert.equal(judge(evidence, 'admin-only', { digest: `sha256:${admin.sha256Hex}`, size: admin.length }).status, 'signed');
    });

    it('an under-threshold targets/releases makes its tags invalid instead of falling back to targets', async () => {
      const evidence = check({
        bytes: await build({
          delegations: [{ name: 'targets/releases', keys: [releasesKey], targets: { v1: V1 }, signers: [await ed25519Key()] }],
        }),
      });

      const judgement = judge(evidence, 'v1');

      assert.equal(judgement.status, 'invalid');
      assert.equal(judgement.reasonCode, 'THRESHOLD_NOT_MET');
      assert.equal(assess(evidence).status, 'invalid');
    });

    it('a tag outside the delegation paths of targets/releases is not honoured from it', async () => {
      const evidence = check({
        bytes: await build({
          targets: {},
          delegations: [{ name: 'targets/releases', keys: [releasesKey], paths: ['release-'], targets: { v1: V1 } }],
        }),
      });

      assert.equal(judge(evidence, 'v1').status, 'unsigned');
    });
  });

  describe('trust failures', () => {
    it('MALFORMED_METADATA: a timestamp that is not Notary metadata', async () => {
      const bytes = { ...(await build()), timestamp: Buffer.from('{"signed":{}}') };

      assert.equal(failureOf(check({ bytes })), 'MALFORMED_METADATA@timestamp');
    });

    it('MALFORMED_METADATA: a non-integer number cannot be canonicalised', async () => {
      const bytes = await build();
      const text = Buffer.from(bytes.root).toString('utf8').replace('"version":1', '"version":1.5');

      assert.equal(failureOf(check({ bytes: { ...bytes, root: Buffer.from(text) } })), 'MALFORMED_METADATA@root');
    });

    it('WRONG_TYPE: a snapshot labelled as a timestamp', async () => {
      const bytes = await build({ editSigned: { timestamp: (signed) => void (signed['_type'] = 'Snapshot') } });

      assert.equal(failureOf(check({ bytes })), 'WRONG_TYPE@timestamp');
    });

    it('THRESHOLD_NOT_MET: targets signed by a key that root does not list', async () => {
      const bytes = await build({ signers: { targets: [ecdsaKey()] } });

      assert.equal(failureOf(check({ bytes })), 'THRESHOLD_NOT_MET@targets');
    });

    it('THRESHOLD_NOT_MET: threshold 2 with one signature', async () => {
      const bytes = await build({ thresholds: { snapshot: 2 } });

      assert.equal(failureOf(check({ bytes })), 'THRESHOLD_NOT_MET@snapshot');
    });

    it('THRESHOLD_NOT_MET: one public key listed under two key ids counts once (GHSA-3633-5h82-39pq)', async () => {
      const certificateKey = await rootCertificateKey(dir.path, 'twin', 'twin');
      const twinKeys: CollectionKeys = { ...keys, targets: certificateKey };
      const bytes = await build({
        keys: twinKeys,
        rootKeysListedAs: { [certificateKey.plainTwin.id]: certificateKey.plainTwin },
        thresholds: { targets: 2 },
        editSigned: {
          root: (signed) => {
            const roles = signed['roles'] as { targets: { keyids: string[] } };
            roles.targets.keyids = [certificateKey.id, certificateKey.plainTwin.id];
          },
        },
        signers: { targets: [certificateKey, certificateKey.plainTwin] },
      });

      assert.equal(failureOf(check({ bytes })), 'THRESHOLD_NOT_MET@targets');
    });

    it('KEY_ID_MISMATCH: a key listed under an id that is not its own', async () => {
      const impostor: SigningKey = { ...keys.timestamp, id: 'a'.repeat(64) };

      const bytes = await build({ keys: { ...keys, timestamp: impostor } });

      assert.equal(failureOf(check({ bytes })), 'KEY_ID_MISMATCH@timestamp');
    });

    it('HASH_MISMATCH: targets bytes changed after the snapshot was signed', async () => {
      const bytes = await build();
      const changed = Buffer.from(Buffer.from(bytes.targets).toString('utf8').replace('"version":1', '"version":2'));

      assert.equal(failureOf(check({ bytes: { ...bytes, targets: changed } })), 'HASH_MISMATCH@targets');
    });

    it('LENGTH_MISMATCH: the snapshot lists the right hash with a wrong length', async () => {
      const bytes = await build({
        editSnapshotMeta: (meta) => {
          (meta['targets'] as { length: number }).length += 1;
        },
      });

      assert.equal(failureOf(check({ bytes })), 'LENGTH_MISMATCH@targets');
    });

    it('MISSING_METADATA: a delegation the snapshot lists was not served', async () => {
      const bytes = await build();
      bytes.delegations.delete('targets/releases');
      const evidence = check({ bytes });

      assert.equal(failureOf(evidence), 'ok');
      const judgement = judge(evidence);
      assert.equal(judgement.status, 'invalid');
      assert.equal(judgement.reasonCode, 'MISSING_METADATA');
    });

    it('LIMIT_EXCEEDED: delegations nested deeper than the walk reads', async () => {
      const chain = Array.from({ length: 9 }, (_, i) => ({
        name: ['targets', ...Array.from({ length: i + 1 }, (_, j) => `n${j}`)].join('/'),
        keys: [aliceKey],
        targets: {},
      }));
      const evidence = check({ bytes: await build({ delegations: chain }) });

      assert.equal(failureOf(evidence), 'ok');
      const assessment = assess(evidence);
      assert.equal(assessment.status, 'invalid');
      assert.equal(assessment.reasonCode, 'LIMIT_EXCEEDED');
      produced.add('LIMIT_EXCEEDED');
    });

    it('ROOT_CERTIFICATE_INVALID: the root certificate names another GUN', async () => {
      const otherKeys = await generateKeys(dir.path, GUN, { commonName: 'registry.example:5000/other' });

      const bytes = await build({ keys: otherKeys });

      assert.equal(failureOf(check({ bytes })), 'ROOT_CERTIFICATE_INVALID@root');
    });

    it('ROOT_CERTIFICATE_INVALID: the root certificate is signed with SHA-1', async () => {
      const sha1Keys = await generateKeys(dir.path, GUN, { digest: 'sha1' });

      const bytes = await build({ keys: sha1Keys });

      assert.equal(failureOf(check({ bytes })), 'ROOT_CERTIFICATE_INVALID@root');
    });

    it('an expired root certificate is expired, not invalid, while root.json is still valid', async () => {
      const shortKeys = await generateKeys(dir.path, GUN, { rootCertificateDays: 1 });
      const evidence = check({ bytes: await build({ keys: shortKeys }) });
      const later = new Date(Date.now() + 2 * DAY);

      const assessment = assess(evidence, later);

      assert.equal(failureOf(evidence), 'ok');
      assert.equal(assessment.status, 'expired');
      assert.match(assessment.reason ?? '', /^expired: root-certificate at \S+$/);
    });

    it('ROOT_ROTATION_INVALID: a new root not signed by the pinned one', async () => {
      const pinned = await build();
      const replacement = await build({ keys: await generateKeys(dir.path, GUN) });

      const evidence = check({ bytes: replacement, history: { pinnedRoot: pinned.root, roles: new Map() } });

      assert.equal(failureOf(evidence), 'ROOT_ROTATION_INVALID@root');
    });

    it('accepts a rotation that walks through an intermediate root version', async () => {
      const next = await generateKeys(dir.path, GUN);
      const newest = await generateKeys(dir.path, GUN);
      const pinned = await build();
      const intermediate = await build({ keys: next, versions: { root: 2 }, signers: { root: [...keys.root, ...next.root] } });
      const current = await build({ keys: newest, versions: { root: 3 }, signers: { root: [...next.root, ...newest.root] } });

      const direct = check({ bytes: current, history: { pinnedRoot: pinned.root, roles: new Map() } });
      const walked = check({ bytes: current, history: { pinnedRoot: pinned.root, intermediateRoots: [intermediate.root], roles: new Map() } });

      assert.equal(failureOf(direct), 'ROOT_ROTATION_INVALID@root');
      assert.equal(failureOf(walked), 'ok');
    });

    it('ROLLBACK: a version lower than one seen before', async () => {
      const bytes = await build({ versions: { targets: 3 } });
      const history: TrustHistory = { roles: new Map([['targets', { version: 4, sha256: 'x' }]]) };

      assert.equal(failureOf(check({ bytes, history })), 'ROLLBACK@targets');
    });

    it('ROLLBACK: the same version with other content (equivocation)', async () => {
      const seen = await build({ versions: { snapshot: 5 } });
      const other = await build({ versions: { snapshot: 5 }, targets: { v1: V1 } });
      const history: TrustHistory = { roles: new Map([['snapshot', { version: 5, sha256: sha256Hex(seen.snapshot) }]]) };

      assert.equal(failureOf(check({ bytes: seen, history })), 'ok');
      assert.equal(failureOf(check({ bytes: other, history })), 'ROLLBACK@snapshot');
    });

    it('keeps verifying a far expiry and reports it per role', async () => {
      const far = new Date('2999-01-01T00:00:00Z');
      const evidence = check({ bytes: await build({ expires: { targets: far } }) });

      const assessment = assess(evidence);

      assert.equal(assessment.roles.find((r) => r.role === 'targets')?.expires, far.toISOString());
    });
  });

  it('produced every code and status of the closed sets', () => {
    const expected = [...TRUST_FAILURE_CODES, ...TAG_REASON_CODES, ...TAG_STATUSES.map((s) => `status:${s}`), ...COLLECTION_STATUSES.map((s) => `collection:${s}`)];

    assert.deepEqual(
      expected.filter((code) => !produced.has(code)),
      []
    );
  });
});
