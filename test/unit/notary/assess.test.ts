/**
 * Verdicts from a trust summary (src/notary/core/assess.ts). A summary is
 * plain, stored data (the JSON kept per GUN for unchanged rescans), so these
 * tests write summaries by hand: judgeTag and assessCollection must be total
 * over the format, not only over what summarize() happens to produce.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { assessCollection, judgeTag, SERVER_RENEWED_ROLES, type TrustEvidence } from '../../../src/notary/core/assess.js';
import { SUMMARY_REVISION, type SummaryRole, type TrustSummary } from '../../../src/notary/core/summary.js';

const NOW = new Date(Math.floor(Date.now() / 1000) * 1000);
const DAY = 86_400_000;
const DIGEST = `sha256:${'ab'.repeat(32)}`;
const OTHER_DIGEST = `sha256:${'cd'.repeat(32)}`;

const role = (name: string, expiresInDays: number): SummaryRole => ({
  role: name,
  version: 1,
  expires: new Date(NOW.getTime() + expiresInDays * DAY).toISOString(),
  sha256: name === 'root-certificate' ? '' : 'ef'.repeat(32),
  length: name === 'root-certificate' ? 0 : 100,
});

const CHAIN = ['root', 'root-certificate', 'timestamp', 'snapshot', 'targets'];
const at = (days: number): string => new Date(NOW.getTime() + days * DAY).toISOString();

function summary(overrides: Partial<TrustSummary> = {}): TrustSummary {
  return {
    revision: SUMMARY_REVISION,
    failure: null,
    roles: [...CHAIN.map((name) => role(name, 30)), role('targets/releases', 30)],
    honoured: { v1: { digest: DIGEST, length: 10, role: 'targets/releases' }, v2: { digest: OTHER_DIGEST, length: 20, role: 'targets' } },
    releasesInvalid: null,
    otherDelegations: {},
    invalidDelegation: null,
    warnings: [],
    ...overrides,
  };
}

const checked = (overrides: Partial<TrustSummary> = {}): TrustEvidence => ({ kind: 'checked', summary: summary(overrides) });

describe('judgeTag', () => {
  it('is invalid for every tag of a collection that failed verification, naming role and detail', () => {
    const evidence = checked({ failure: { code: 'THRESHOLD_NOT_MET', role: 'snapshot', detail: '0 valid signature(s)' }, honoured: {} });
    const judgement = judgeTag(evidence, 'v1', { digest: DIGEST, size: 10 }, NOW);
    assert.deepEqual(judgement, {
      status: 'invalid',
      reasonCode: 'THRESHOLD_NOT_MET',
      reason: 'snapshot: 0 valid signature(s)',
      role: null,
      signedDigest: null,
      trustExpires: null,
    });
  });

  it('is invalid when targets/releases failed, rather than falling back to targets', () => {
    const judgement = judgeTag(checked({ releasesInvalid: { code: 'HASH_MISMATCH', detail: 'changed' } }), 'v2', { digest: OTHER_DIGEST, size: 20 }, NOW);
    assert.equal(judgement.status, 'invalid');
    assert.equal(judgement.reasonCode, 'HASH_MISMATCH');
    assert.equal(judgement.reason, 'targets/releases: changed');
  });

  it('is expired for a tag in no role when the targets chain expired, with no role and the earliest expiry', () => {
    const roles = [...CHAIN.map((name) => role(name, name === 'timestamp' ? -1 : 30)), role('targets/releases', -5)];
    const judgement = judgeTag(checked({ roles }), 'v9', { digest: DIGEST, size: undefined }, NOW);
    assert.equal(judgement.status, 'expired');
    assert.equal(judgement.reasonCode, 'EXPIRED');
    // Each role is named with its own expiry instant, not the evaluation instant.
    assert.equal(judgement.reason, `expired: timestamp at ${at(-1)}`);
    assert.equal(judgement.role, null);
    assert.equal(judgement.signedDigest, null);
    // targets/releases is not in the chain of a tag it does not sign
    assert.equal(judgement.trustExpires?.toISOString(), new Date(NOW.getTime() - DAY).toISOString());
  });

  it('is expired for a releases tag when releases expired, naming the role it was found in', () => {
    const roles = [...CHAIN.map((name) => role(name, 30)), role('targets/releases', -5)];
    const judgement = judgeTag(checked({ roles }), 'v1', { digest: DIGEST, size: 10 }, NOW);
    assert.equal(judgement.status, 'expired');
    assert.equal(judgement.role, 'targets/releases');
    assert.equal(judgement.reason, `expired: targets/releases at ${at(-5)}`);
    // and a tag from targets, which does not depend on releases, is still signed
    assert.equal(judgeTag(checked({ roles }), 'v2', { digest: OTHER_DIGEST, size: 20 }, NOW).status, 'signed');
  });

  it('has no trust expiry from a summary without roles', () => {
    const judgement = judgeTag(checked({ roles: [], honoured: {} }), 'v1', { digest: DIGEST, size: 10 }, NOW);
    assert.equal(judgement.status, 'unsigned');
    assert.equal(judgement.reasonCode, 'NOT_SIGNED');
    assert.equal(judgement.trustExpires, null);
  });

  it('signs with the signed digest, role and earliest expiry; compares digests without regard to case', () => {
    const judgement = judgeTag(checked(), 'v1', { digest: DIGEST.toUpperCase().replace('SHA256', 'sha256'), size: undefined }, NOW);
    assert.equal(judgement.status, 'signed');
    assert.equal(judgement.reason, null);
    assert.equal(judgement.role, 'targets/releases');
    assert.equal(judgement.signedDigest, DIGEST);
    assert.equal(judgement.trustExpires?.toISOString(), new Date(NOW.getTime() + 30 * DAY).toISOString());
  });

  it('carries the warnings of a valid collection as the reason of a signed tag', () => {
    const judgement = judgeTag(checked({ warnings: ['one', 'two'] }), 'v1', { digest: DIGEST, size: 10 }, NOW);
    assert.equal(judgement.status, 'signed');
    assert.equal(judgement.reason, 'one; two');
  });

  it('is a digest mismatch for another digest, or for another size when the size is known', () => {
    const digest = judgeTag(checked(), 'v1', { digest: OTHER_DIGEST, size: 10 }, NOW);
    assert.equal(digest.status, 'digest_mismatch');
    assert.equal(digest.reasonCode, 'SIGNED_DIGEST_DIFFERS');
    assert.equal(digest.reason, `signed ${DIGEST}, Nexus serves ${OTHER_DIGEST}`);
    const size = judgeTag(checked(), 'v1', { digest: DIGEST, size: 11 }, NOW);
    assert.equal(size.reasonCode, 'SIGNED_LENGTH_DIFFERS');
    assert.equal(size.reason, 'signed length 10, Nexus serves 11 bytes');
    assert.equal(judgeTag(checked(), 'v1', { digest: `${DIGEST}0`, size: 10 }, NOW).reasonCode, 'SIGNED_DIGEST_DIFFERS');
  });

  it('says which delegations sign a tag that docker pull does not honour', () => {
    const judgement = judgeTag(checked({ otherDelegations: { v3: ['targets/alice', 'targets/bob'] } }), 'v3', { digest: DIGEST, size: 10 }, NOW);
    assert.equal(judgement.reasonCode, 'ONLY_IN_OTHER_DELEGATION');
    assert.equal(judgement.reason, 'docker pull finds it in targets/alice, targets/bob, which it does not honour (only targets/releases and targets)');
  });

  it("does not take inherited properties of a stored summary's records for tags", () => {
    for (const tag of ['constructor', 'toString', '__proto__', 'hasOwnProperty']) {
      const judgement = judgeTag(checked(), tag, { digest: DIGEST, size: 10 }, NOW);
      assert.equal(judgement.status, 'unsigned', tag);
      assert.equal(judgement.reasonCode, 'NOT_SIGNED', tag);
    }
  });
});

describe('assessCollection', () => {
  it('is unsigned without trust data, and error when it could not be fetched', () => {
    assert.equal(assessCollection({ kind: 'absent' }, NOW).status, 'unsigned');
    assert.deepEqual(assessCollection({ kind: 'unavailable', detail: 'timeout' }, NOW), { status: 'error', reasonCode: 'FETCH_FAILED', reason: 'timeout', targets: [], roles: [] });
  });

  it('is valid with no reason when it signs tags and has no warnings, listing the honoured targets by tag', () => {
    const assessment = assessCollection(checked(), NOW);
    assert.equal(assessment.status, 'valid');
    assert.equal(assessment.reasonCode, null);
    assert.equal(assessment.reason, null);
    assert.deepEqual(assessment.targets, [
      { tag: 'v1', digest: DIGEST, length: 10, role: 'targets/releases' },
      { tag: 'v2', digest: OTHER_DIGEST, length: 20, role: 'targets' },
    ]);
  });

  it('is valid and says so when it signs no tag, with the warnings after', () => {
    assert.equal(assessCollection(checked({ honoured: {} }), NOW).reason, 'trust data is valid but signs no tag');
    assert.equal(assessCollection(checked({ honoured: {}, warnings: ['w'] }), NOW).reason, 'trust data is valid but signs no tag; w');
    assert.equal(assessCollection(checked({ warnings: ['w'] }), NOW).reason, 'w');
  });

  it('is invalid for a failure, then for an invalid delegation, then expired', () => {
    const failure = assessCollection(checked({ failure: { code: 'ROLLBACK', role: 'root', detail: 'older' } }), NOW);
    assert.deepEqual([failure.status, failure.reasonCode, failure.reason, failure.targets], ['invalid', 'ROLLBACK', 'root: older', []]);
    const roles = [...CHAIN.map((name) => role(name, -1))];
    const delegation = assessCollection(checked({ roles, invalidDelegation: { code: 'MISSING_METADATA', role: 'targets/alice', detail: 'withheld' } }), NOW);
    assert.deepEqual([delegation.status, delegation.reasonCode, delegation.reason], ['invalid', 'MISSING_METADATA', 'targets/alice: withheld']);
    assert.equal(delegation.targets.length, 2);
    const expired = assessCollection(checked({ roles }), NOW);
    assert.deepEqual([expired.status, expired.reasonCode, expired.reason], ['expired', 'EXPIRED', `expired: ${CHAIN.map((name) => `${name} at ${at(-1)}`).join(', ')}`]);
  });

  describe('in a forecast', () => {
    it('counts the roles the server renews as renewed: an expired timestamp neither expires the tag nor bounds trustExpires', () => {
      const roles = [...CHAIN.map((name) => role(name, name === 'timestamp' ? -1 : 30)), role('targets/releases', 40)];

      const live = judgeTag(checked({ roles }), 'v1', { digest: DIGEST, size: 10 }, NOW);
      const forecast = judgeTag(checked({ roles }), 'v1', { digest: DIGEST, size: 10 }, NOW, SERVER_RENEWED_ROLES);

      assert.equal(live.status, 'expired');
      assert.equal(forecast.status, 'signed');
      assert.equal(forecast.trustExpires?.toISOString(), at(30));
      assert.equal(assessCollection(checked({ roles }), NOW).status, 'expired');
      assert.equal(assessCollection(checked({ roles }), NOW, SERVER_RENEWED_ROLES).status, 'valid');
    });

    it('still expires what a publisher must renew, naming it with its own instant', () => {
      const roles = [...CHAIN.map((name) => role(name, name === 'targets' || name === 'timestamp' ? -3 : 30)), role('targets/releases', 40)];

      const forecast = judgeTag(checked({ roles }), 'v1', { digest: DIGEST, size: 10 }, NOW, SERVER_RENEWED_ROLES);

      assert.deepEqual([forecast.status, forecast.reason], ['expired', `expired: targets at ${at(-3)}`]);
    });
  });
});
