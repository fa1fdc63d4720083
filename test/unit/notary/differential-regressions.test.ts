/**
 * Regression tests for what the differential fuzzer (npm run fuzz:differential)
 * found: cases where our verifier said `valid`, or honoured a tag, while the
 * real notary client (and so docker pull) refused it. Each failed on the
 * verifier before its fix. Lower-case `t`/`z` in `expires` is in
 * rfc3339.test.ts, a delegation declared twice in verify-collection.test.ts.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { checkedEvidence, judgeTag } from '../../../src/notary/core/assess.js';
import { importKey } from '../../../src/notary/core/keys.js';
import { NO_HISTORY, verifyCollection } from '../../../src/notary/core/verify-collection.js';
import { withPublicKey } from '../../support/key-encodings.js';
import { releasesCollection, type CollectionBytes } from '../../support/collection-fixture.js';
import { ed25519Key, generateKeys, targetFor } from '../../support/trust-factory.js';

const GUN = 'registry.example:5000/team/differential';
/** One clock reading: the certificates below are made at the real current time. */
const NOW = new Date(Math.floor(Date.now() / 1000) * 1000);
const OLD = targetFor('old');
const NEW = targetFor('new');
const served = (target: { sha256Hex: string; length: number }): { digest: string; size: number } => ({ digest: `sha256:${target.sha256Hex}`, size: target.length });

type Bytes = CollectionBytes;

function outcome(bytes: Bytes): string {
  const verification = verifyCollection(GUN, bytes, NO_HISTORY, NOW);
  return verification.ok ? 'ok' : `${verification.error.code}@${verification.error.role}: ${verification.error.detail}`;
}

/** The same base64 text with the unused low bits of its last character set: the same bytes, another spelling. */
function otherSpelling(base64: string): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  const body = base64.replace(/=+$/, '');
  const padding = base64.length - body.length;
  const unusedBits = padding === 1 ? 2 : padding === 2 ? 4 : 0;
  assert.ok(unusedBits > 0, 'needs padding to have unused bits');
  const last = alphabet.indexOf(body[body.length - 1] as string);
  return body.slice(0, -1) + alphabet[last | ((1 << unusedBits) - 1)] + '='.repeat(padding);
}

describe('what the differential fuzzer found', () => {
  const collection = releasesCollection({ gun: GUN, now: NOW, inTargets: OLD, inReleases: NEW, keys: (dir) => generateKeys(dir, GUN) });
  const build: typeof collection.build = (overrides) => collection.build(overrides);

  it('a field that differs from a known one only in case is refused: notary would read it instead (seed 7, cases 4799 and 13177)', async () => {
    // Validly signed: the canonical form holds both; docker/go reads "Targets", the last match.
    const targets = await build({
      editSigned: { targets: (signed) => void (signed['Targets'] = { v1: { hashes: { sha256: Buffer.from(NEW.sha256Hex, 'hex').toString('base64') }, length: NEW.length } }) },
    });
    assert.match(outcome(targets), /^MALFORMED_METADATA@targets: signed has "Targets", which notary reads as its "targets"$/);

    const bytes = await build();
    const envelope = JSON.parse(Buffer.from(bytes.timestamp).toString('utf8')) as Record<string, unknown>;
    for (const variant of ['Signed', 'SIGNATURES', '\u017fignatures']) {
      const text = JSON.stringify({ ...envelope, [variant]: envelope[variant.toLowerCase().replace('\u017f', 's')] });
      assert.match(outcome({ ...bytes, timestamp: Buffer.from(text) }), /^MALFORMED_METADATA@timestamp: metadata has ".*", which notary reads as its "(signed|signatures)"$/, variant);
    }
    const signature = JSON.parse(Buffer.from(bytes.timestamp).toString('utf8')) as { signatures: Record<string, unknown>[] };
    (signature.signatures[0] as Record<string, unknown>)['KeyID'] = 'f'.repeat(64);
    assert.match(outcome({ ...bytes, timestamp: Buffer.from(JSON.stringify(signature)) }), /signatures\[0\] has "KeyID", which notary reads as its "keyid"/);
  });

  it('an integer spelled 1.0 or 10e-1 is refused: Go cannot read it into an integer field (seed 7, case 17121)', async () => {
    const bytes = await build();
    // The timestamp is hashed by nothing, so only its own signature (over the canonical form) matters.
    for (const spelled of ['1.0', '10e-1']) {
      const timestamp = Buffer.from(Buffer.from(bytes.timestamp).toString('utf8').replace('"version":1', `"version":${spelled}`));
      assert.equal(outcome({ ...bytes, timestamp }), `MALFORMED_METADATA@timestamp: number ${spelled} is not an integer literal`);
    }
    assert.equal(outcome(bytes), 'ok');
  });

  it('a key spelled otherwise has the id of its canonical spelling, as in notary: listed under the id of its text, it is KEY_ID_MISMATCH (seed 7, case 17090; seed 20261130, case 675)', async () => {
    const key = await ed25519Key();
    const spellings = [otherSpelling(key.publicB64), `${key.publicB64.slice(0, 20)}\n${key.publicB64.slice(20)}`];
    for (const spelled of spellings) {
      assert.equal(Buffer.from(spelled, 'base64').equals(Buffer.from(key.publicB64, 'base64')), true);
      const imported = importKey('ed25519', spelled);
      assert.equal(imported.id, key.id, 'the id of the canonical spelling');
      assert.equal(imported.problem, 'public key is not in canonical base64');
    }
    {
      const spelled = spellings[0] as string;
      // Listed under the id of the text as written, beside a second key that also signs: the client
      // stops at "key ID is not valid for key content", whatever the other signature.
      const spare = await ed25519Key();
      const bytes = await build({
        delegations: [{ name: 'targets/releases', keys: [withPublicKey(key, spelled), spare], threshold: 1, targets: { v1: NEW } }],
      });
      const judgement = judgeTag(checkedEvidence(verifyCollection(GUN, bytes, NO_HISTORY, NOW)), 'v1', served(NEW), NOW);

      assert.deepEqual([judgement.status, judgement.reasonCode], ['invalid', 'KEY_ID_MISMATCH']);
    }
  });

  it('a tag that a delegation below targets/releases signs is not honoured from targets: docker finds it there first and refuses it (seed 7, case 1210)', async () => {
    const childKey = await ed25519Key();
    const shadowed = await build({
      delegations: [
        { name: 'targets/releases', keys: [collection.releasesKey], targets: {} },
        { name: 'targets/releases/ci', keys: [childKey], targets: { v1: NEW } },
      ],
    });
    const judgement = judgeTag(checkedEvidence(verifyCollection(GUN, shadowed, NO_HISTORY, NOW)), 'v1', served(OLD), NOW);

    assert.deepEqual([judgement.status, judgement.reasonCode], ['unsigned', 'ONLY_IN_OTHER_DELEGATION']);
    assert.match(judgement.reason ?? '', /docker pull finds it in targets\/releases\/ci, which it does not honour/);

    // When releases itself signs the tag, it is found there first and honoured.
    const direct = await build({
      delegations: [
        { name: 'targets/releases', keys: [collection.releasesKey], targets: { v1: NEW } },
        { name: 'targets/releases/ci', keys: [childKey], targets: { v1: OLD } },
      ],
    });
    const honoured = judgeTag(checkedEvidence(verifyCollection(GUN, direct, NO_HISTORY, NOW)), 'v1', served(NEW), NOW);
    assert.deepEqual([honoured.status, honoured.role], ['signed', 'targets/releases']);
  });
});
