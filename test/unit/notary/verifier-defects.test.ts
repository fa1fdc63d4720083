/**
 * Six ways the verifier once honoured, or refused, what the real notary client
 * judges otherwise (each reproduced with the real CLI first). Every test here
 * failed on the verifier before its fix.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';

import { assessCollection, checkedEvidence, honouredTargets, judgeTag, type TrustEvidence } from '../../../src/notary/core/assess.js';
import { MAX_JSON_DEPTH } from '../../../src/notary/core/json.js';
import { NO_HISTORY, verifyCollection } from '../../../src/notary/core/verify-collection.js';
import { rsaKey, rsaSpkiWithExtraLeadingZero, spkiWithLongFormLength, spkiWithTrailingElement, withPublicKey } from '../../support/key-encodings.js';
import { releasesCollection, type CollectionBytes } from '../../support/collection-fixture.js';
import { ecdsaKey, ed25519Key, generateKeys, PreCanonical, rootCertificateKey, targetFor, type CollectionSpec, type SigningKey } from '../../support/trust-factory.js';

const GUN = 'registry.example:5000/team/defects';
/** One clock reading: the certificates below are made at the real current time. */
const NOW = new Date(Math.floor(Date.now() / 1000) * 1000);
const DAY = 86_400_000;
const OLD = targetFor('manifest-old');
const NEW = targetFor('manifest-new');
const served = (target: { sha256Hex: string; length: number }): { digest: string; size: number } => ({
  digest: `sha256:${target.sha256Hex}`,
  size: target.length,
});

type Bytes = CollectionBytes;

function evidenceOf(bytes: Bytes, now = NOW): TrustEvidence {
  return checkedEvidence(verifyCollection(GUN, bytes, NO_HISTORY, now));
}

function failureOf(bytes: Bytes, now = NOW): string {
  const verification = verifyCollection(GUN, bytes, NO_HISTORY, now);
  return verification.ok ? 'ok' : `${verification.error.code}@${verification.error.role}`;
}

/** Re-serialises one file's envelope after `edit` (the signed part is canonicalised again when verified). */
function editEnvelope(bytes: Uint8Array, edit: (envelope: { signed: unknown; signatures: { keyid: string; method: string; sig: string }[] }) => void): Uint8Array {
  const envelope = JSON.parse(Buffer.from(bytes).toString('utf8')) as { signed: unknown; signatures: { keyid: string; method: string; sig: string }[] };
  edit(envelope);
  return Buffer.from(JSON.stringify(envelope));
}

describe('verifier defects found against the real notary client', () => {
  const collection = releasesCollection({ gun: GUN, now: NOW, inTargets: OLD, inReleases: NEW, keys: (dir) => generateKeys(dir, GUN) });
  const build: typeof collection.build = (overrides) => collection.build(overrides);

  describe('1. a threshold is met only by distinct public keys, whatever their encoding', () => {
    const variants: [string, () => SigningKey, (b64: string) => string][] = [
      ['a DER long-form length', ecdsaKey, spkiWithLongFormLength],
      ['an extra element in the SubjectPublicKeyInfo', ecdsaKey, spkiWithTrailingElement],
      ['an RSA modulus with an extra leading zero', rsaKey, rsaSpkiWithExtraLeadingZero],
    ];
    for (const [variant, makeKey, reencode] of variants) {
      it(`one key listed twice, once with ${variant}, does not meet threshold 2`, async () => {
        const key = makeKey();
        const twin = withPublicKey(key, reencode(key.publicB64));
        assert.notEqual(twin.id, key.id);

        const bytes = await build({
          delegations: [{ name: 'targets/releases', keys: [key, twin], threshold: 2, targets: { v1: NEW } }],
        });
        const judgement = judgeTag(evidenceOf(bytes), 'v1', served(NEW), NOW);

        assert.equal(judgement.status, 'invalid');
        assert.equal(judgement.reasonCode, 'THRESHOLD_NOT_MET');
      });
    }

    it('two distinct keys still meet threshold 2 (the check is not simply stricter)', async () => {
      const bytes = await build({
        delegations: [{ name: 'targets/releases', keys: [ecdsaKey(), rsaKey()], threshold: 2, targets: { v1: NEW } }],
      });

      const judgement = judgeTag(evidenceOf(bytes), 'v1', served(NEW), NOW);

      assert.equal(judgement.status, 'signed');
      assert.equal(judgement.role, 'targets/releases');
    });
  });

  describe('2. targets/releases is resolved before any other delegation can use up a bound', () => {
    const aliceWithUnpublishedChildren = async (): Promise<NonNullable<CollectionSpec['delegations']>> => {
      const aliceKey = await ed25519Key();
      const childKey = await ed25519Key();
      return [
        { name: 'targets/alice', keys: [aliceKey], targets: {} },
        ...Array.from({ length: 255 }, (_, i) => ({ name: `targets/alice/c${i}`, keys: [childKey], targets: {}, unpublished: true })),
      ];
    };

    it('an invalid releases behind 255 children of alice is invalid, not a fallback to targets', async () => {
      const bytes = await build({
        delegations: [...(await aliceWithUnpublishedChildren()), { name: 'targets/releases', keys: [collection.releasesKey], targets: { v1: NEW }, signers: [await ed25519Key()] }],
      });

      const judgement = judgeTag(evidenceOf(bytes), 'v1', served(OLD), NOW);

      assert.equal(judgement.status, 'invalid');
      assert.equal(judgement.reasonCode, 'THRESHOLD_NOT_MET');
    });

    it('a valid releases behind 255 children of alice gives its own digest, not the older one in targets', async () => {
      const bytes = await build({
        delegations: [...(await aliceWithUnpublishedChildren()), { name: 'targets/releases', keys: [collection.releasesKey], targets: { v1: NEW } }],
      });
      const evidence = evidenceOf(bytes);

      const judgement = judgeTag(evidence, 'v1', served(NEW), NOW);

      assert.equal(judgement.status, 'signed');
      assert.equal(judgement.role, 'targets/releases');
      // alice's children were declared and never published: the collection says so.
      assert.equal(assessCollection(evidence, NOW).status, 'invalid');
      assert.equal(assessCollection(evidence, NOW).reasonCode, 'MISSING_METADATA');
    });

    it('delegations nested deeper than the bound fail closed (LIMIT_EXCEEDED) instead of being left unread', async () => {
      const chainKey = await ed25519Key();
      const chain = Array.from({ length: 9 }, (_, i) => ({
        name: ['targets', ...Array.from({ length: i + 1 }, (_, j) => `d${j}`)].join('/'),
        keys: [chainKey],
        targets: {},
      }));
      const bytes = await build({ delegations: [{ name: 'targets/releases', keys: [collection.releasesKey], targets: { v1: NEW } }, ...chain] });
      const evidence = evidenceOf(bytes);

      const assessment = assessCollection(evidence, NOW);

      assert.equal(assessment.status, 'invalid');
      assert.equal(assessment.reasonCode, 'LIMIT_EXCEEDED');
      assert.match(assessment.reason ?? '', /^targets\/d0\/d1\/d2\/d3\/d4\/d5\/d6\/d7\/d8: /);
      assert.equal(judgeTag(evidence, 'v1', served(NEW), NOW).status, 'signed');
    });
  });

  describe('3. a delegation that targets declares but the snapshot does not list', () => {
    it('is MISSING_METADATA, and its tags do not fall back to targets', async () => {
      const withReleases = await build();
      assert.equal(judgeTag(evidenceOf(withReleases), 'v1', served(OLD), NOW).status, 'digest_mismatch');

      const withheld = await build({
        editSnapshotMeta: (meta) => {
          delete meta['targets/releases'];
        },
      });
      withheld.delegations.delete('targets/releases');
      const judgement = judgeTag(evidenceOf(withheld), 'v1', served(OLD), NOW);

      assert.equal(judgement.status, 'invalid');
      assert.equal(judgement.reasonCode, 'MISSING_METADATA');
      assert.match(judgement.reason ?? '', /targets\/releases is delegated but the snapshot does not list it/);
    });
  });

  describe('4. deeply nested JSON', () => {
    const nested = (depth: number): string => '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);

    it('a correctly signed targets.json with a custom field nested thousands of levels deep verifies (the notary client lists it)', async () => {
      // 5,000 levels already overflowed the recursive canonicaliser under `inspect`; 9,990 does here.
      const bytes = await build({ editSigned: { targets: (signed) => void (signed['zz-custom'] = new PreCanonical(nested(MAX_JSON_DEPTH - 10)).asJson()) } });
      const evidence = evidenceOf(bytes);

      assert.equal(assessCollection(evidence, NOW).status, 'valid');
      assert.equal(judgeTag(evidence, 'v1', served(NEW), NOW).status, 'signed');
    });

    it(`a file nested deeper than ${MAX_JSON_DEPTH} levels (Go's json limit) is malformed, not a crash`, async () => {
      const bytes = await build({
        editSigned: { timestamp: (signed) => void (signed['zz-custom'] = new PreCanonical(nested(200_000)).asJson()) },
      });

      assert.equal(failureOf(bytes), 'MALFORMED_METADATA@timestamp');
    });

    it(`${MAX_JSON_DEPTH} levels in all are still read, one more is not (the same bound as Go's decoder)`, async () => {
      // The envelope and `signed` are two levels of their own.
      const atLimit = await build({ editSigned: { targets: (signed) => void (signed['zz-custom'] = new PreCanonical(nested(MAX_JSON_DEPTH - 2)).asJson()) } });
      const overLimit = await build({ editSigned: { targets: (signed) => void (signed['zz-custom'] = new PreCanonical(nested(MAX_JSON_DEPTH - 1)).asJson()) } });

      assert.equal(failureOf(atLimit), 'ok');
      assert.equal(failureOf(overLimit), 'MALFORMED_METADATA@targets');
    });
  });

  describe('5. every signature under a key id is tried', () => {
    it('a garbage signature placed before the good one does not hide it', async () => {
      const bytes = await build();
      const timestamp = editEnvelope(bytes.timestamp, (envelope) => {
        const good = envelope.signatures[0];
        assert.ok(good);
        envelope.signatures.unshift({ keyid: good.keyid, method: good.method, sig: randomBytes(64).toString('base64') });
      });

      assert.equal(failureOf({ ...bytes, timestamp }), 'ok');
    });

    it('garbage alone still fails the threshold', async () => {
      const bytes = await build();
      const timestamp = editEnvelope(bytes.timestamp, (envelope) => {
        for (const signature of envelope.signatures) {
          signature.sig = randomBytes(64).toString('base64');
        }
      });

      assert.equal(failureOf({ ...bytes, timestamp }), 'THRESHOLD_NOT_MET@timestamp');
    });
  });

  describe('6. an expired spare root certificate', () => {
    it('does not expire the collection while the certificate that signs is valid, and is named in the reason', async () => {
      const signing = await rootCertificateKey(collection.dir, 'signing', GUN, 3650);
      const spare = await rootCertificateKey(collection.dir, 'spare', GUN, 1);
      const bytes = await build({ keys: { ...collection.keys, root: [signing, spare] }, signers: { root: [signing] } });
      const later = new Date(NOW.getTime() + 2 * DAY);
      const evidence = evidenceOf(bytes, later);

      const assessment = assessCollection(evidence, later);

      assert.equal(assessment.status, 'valid');
      assert.match(assessment.reason ?? '', new RegExp(`root key ${spare.id.slice(0, 12)}: its certificate lapses at `));
      const certificateRole = assessment.roles.find((role) => role.role === 'root-certificate');
      assert.ok(Date.parse(certificateRole?.expires ?? '') > NOW.getTime() + 3000 * DAY);
      const judgement = judgeTag(evidence, 'v1', served(NEW), later);
      assert.equal(judgement.status, 'signed');
      assert.match(judgement.reason ?? '', /lapses at/);
      assert.deepEqual(
        honouredTargets(evidence.kind === 'checked' ? evidence.summary : assert.fail('not checked')).map((t) => t.tag),
        ['v1']
      );
    });

    it('with threshold 2, root expires when the second of its two signing certificates lapses', async () => {
      const longLived = await rootCertificateKey(collection.dir, 'long', GUN, 3650);
      const shortLived = await rootCertificateKey(collection.dir, 'short', GUN, 1);
      const bytes = await build({
        keys: { ...collection.keys, root: [longLived, shortLived] },
        thresholds: { root: 2 },
        signers: { root: [longLived, shortLived] },
      });
      const later = new Date(NOW.getTime() + 2 * DAY);

      const assessment = assessCollection(evidenceOf(bytes, later), later);

      assert.equal(assessment.status, 'expired');
      assert.match(assessment.reason ?? '', /root-certificate/);
    });
  });
});
