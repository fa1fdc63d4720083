/** The scan's two pure rules: a tag's verdict from its evidence, and a scan's outcome from its counts. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import type { StoredTag } from '../../../src/domain/verdict.js';
import { outcomeOf, type OutcomeFacts } from '../../../src/scan/tally.js';
import { toVerdict, type VerdictInput } from '../../../src/scan/to-verdict.js';

const AT = new Date('2030-01-01T00:00:00Z');
const DIGEST = `sha256:${'a'.repeat(64)}`;
const base: VerdictInput = {
  repository: 'docker-hosted',
  image: 'app',
  tag: 'v1',
  gun: 'r.example/app',
  served: { digest: DIGEST, size: 10 },
  evidence: { kind: 'absent' },
  evaluatedAt: AT,
};

function stored(status: StoredTag['status'], digest = DIGEST): StoredTag {
  return {
    ...base,
    digest,
    size: 10,
    status,
    role: status === 'signed' ? 'targets' : null,
    reasonCode: status === 'signed' ? null : 'SIGNED_DIGEST_DIFFERS',
    reason: status === 'signed' ? null : 'SIGNED_DIGEST_DIFFERS: signed sha256:b…',
    signedDigest: null,
    trustExpires: null,
    firstSeenAt: '2029-12-01T00:00:00.000Z',
    lastSeenAt: '2029-12-31T00:00:00.000Z',
    statusSince: '2029-12-01T00:00:00.000Z',
    digestSince: '2029-12-01T00:00:00.000Z',
    lastScanId: 7,
  };
}

describe('toVerdict', () => {
  it('is unsigned without trust data, and error without a digest', () => {
    const absent = toVerdict(base);
    assert.equal(absent.status, 'unsigned');
    assert.match(absent.reason ?? '', /^NO_TRUST_DATA: /);
    assert.equal(absent.digest, DIGEST);

    const noDigest = toVerdict({ ...base, served: undefined });
    assert.equal(noDigest.status, 'error');
    assert.equal(noDigest.reasonCode, 'FETCH_FAILED');
    assert.equal(noDigest.digest, null);
  });

  it('keeps a finding through a Notary outage, but never a signed verdict', () => {
    const unavailable = { ...base, evidence: { kind: 'unavailable', detail: 'HTTP 503' } } as const;
    const carried = toVerdict({ ...unavailable, lastKnown: stored('digest_mismatch') });
    assert.equal(carried.status, 'digest_mismatch');
    assert.match(carried.reason ?? '', /\[last known; /);

    assert.equal(toVerdict({ ...unavailable, lastKnown: stored('signed') }).status, 'error');
    assert.equal(toVerdict({ ...unavailable, lastKnown: stored('digest_mismatch', `sha256:${'c'.repeat(64)}`) }).status, 'error', 'another digest: nothing carries');
    assert.equal(toVerdict(unavailable).status, 'error');
  });
});

describe('outcomeOf', () => {
  const healthy: OutcomeFacts = { fatal: undefined, nexusFailed: false, repositoriesListed: 2, sourceErrors: 0, notaryAnswered: 3, notaryUnavailable: 0, firstNotaryProblem: undefined };

  it('is complete, partial or failed from the counts', () => {
    assert.deepEqual(outcomeOf(healthy), { outcome: 'complete', fatal: undefined });
    assert.equal(outcomeOf({ ...healthy, sourceErrors: 1 }).outcome, 'partial');
    assert.equal(outcomeOf({ ...healthy, nexusFailed: true, sourceErrors: 1 }).outcome, 'partial', 'another repository was listed');
    assert.equal(outcomeOf({ ...healthy, nexusFailed: true, repositoriesListed: 0, sourceErrors: 1 }).outcome, 'failed');
    assert.deepEqual(outcomeOf({ ...healthy, fatal: 'database: disk full' }), { outcome: 'failed', fatal: 'database: disk full' });
  });

  it('fails a scan for which Notary answered for no image at all', () => {
    const none = outcomeOf({ ...healthy, notaryAnswered: 0, notaryUnavailable: 4, sourceErrors: 4, firstNotaryProblem: 'notary: certificate signed by unknown authority' });
    assert.equal(none.outcome, 'failed');
    assert.equal(none.fatal, 'notary: the trust data of none of the 4 image(s) could be fetched (notary: certificate signed by unknown authority)');
    assert.equal(outcomeOf({ ...healthy, notaryAnswered: 1, notaryUnavailable: 4, sourceErrors: 4 }).outcome, 'partial');
  });
});
