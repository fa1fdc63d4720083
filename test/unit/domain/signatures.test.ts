/** Contract v1.2's rules as pure functions: coverage, DCT's mapping, and the status the required systems decide. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { contractStatus, COVERAGES, coverageOf, dctSystemStatus, SIGNATURE_SYSTEMS, type SystemSignature, type SystemStatus } from '../../../src/domain/signatures.js';
import type { TagVerdictRecord } from '../../../src/domain/verdict.js';
import { dctLastKnown, withSignatures } from '../../../src/scan/to-verdict.js';

const entry = (system: SystemSignature['system'], status: SystemStatus, reason: string | null = null): SystemSignature => ({ system, status, reason, signers: [] });

describe('coverageOf', () => {
  it('names every subset of verified systems with one of the eight values', () => {
    const seen = new Set<string>();
    for (let mask = 0; mask < 8; mask++) {
      const entries = SIGNATURE_SYSTEMS.map((system, bit) => entry(system, (mask >> bit) & 1 ? 'verified' : 'absent'));
      seen.add(coverageOf(entries));
    }
    assert.deepEqual([...seen].sort(), [...COVERAGES].sort());
    assert.equal(coverageOf([entry('dct', 'verified'), entry('cosign', 'verified'), entry('notation', 'untrusted')]), 'dct_cosign');
    assert.equal(coverageOf([entry('dct', 'invalid'), entry('cosign', 'error'), entry('notation', 'not_configured')]), 'none');
  });
});

describe('dctSystemStatus', () => {
  it('maps the contract statuses as v1.2 says', () => {
    assert.equal(dctSystemStatus('signed'), 'verified');
    assert.equal(dctSystemStatus('unsigned'), 'absent');
    assert.equal(dctSystemStatus('digest_mismatch'), 'invalid');
    assert.equal(dctSystemStatus('expired'), 'expired');
    assert.equal(dctSystemStatus('invalid'), 'invalid');
    assert.equal(dctSystemStatus('error'), 'error');
  });
});

describe('contractStatus', () => {
  it('keeps DCT’s own status when only DCT is required (a digest mismatch stays one)', () => {
    assert.deepEqual(contractStatus('digest_mismatch', [entry('cosign', 'verified')], ['dct']), { status: 'digest_mismatch', decidedBy: 'dct', reason: null });
  });

  it('maps a required system’s status, the worst winning by the contract’s precedence', () => {
    const entries = [entry('cosign', 'untrusted', 'key sha256:ab'), entry('notation', 'expired', 'certificate expired')];
    assert.equal(contractStatus('signed', entries, ['cosign']).status, 'unsigned');
    assert.match(contractStatus('signed', entries, ['cosign']).reason ?? '', /cosign untrusted: key sha256:ab/);
    assert.equal(contractStatus('signed', entries, ['cosign', 'notation']).status, 'expired');
    assert.equal(contractStatus('unsigned', [entry('cosign', 'verified')], ['dct', 'cosign']).status, 'unsigned');
    assert.equal(contractStatus('signed', [entry('cosign', 'verified')], ['dct', 'cosign']).status, 'signed');
    assert.equal(contractStatus('signed', [entry('cosign', 'error')], ['dct', 'cosign']).status, 'error');
    assert.equal(contractStatus('signed', [entry('cosign', 'absent')], ['cosign']).status, 'unsigned');
    assert.equal(contractStatus('signed', [entry('cosign', 'invalid')], ['cosign']).status, 'invalid');
  });

  it('never counts a required system that is not configured as signed', () => {
    assert.equal(contractStatus('signed', [entry('cosign', 'not_configured')], ['cosign']).status, 'error');
    assert.equal(contractStatus('signed', [], ['notation']).status, 'error');
  });
});

describe('withSignatures', () => {
  const dct: TagVerdictRecord = {
    repository: 'r',
    image: 'i',
    tag: 't',
    gun: 'g/i',
    digest: `sha256:${'a'.repeat(64)}`,
    size: 1,
    status: 'signed',
    role: 'targets/releases',
    reasonCode: null,
    reason: null,
    signedDigest: `sha256:${'a'.repeat(64)}`,
    trustExpires: '2030-01-01T00:00:00.000Z',
  };

  it('adds DCT’s entry (its role as signer), the coverage, and keeps DCT’s verdict when DCT decides', () => {
    const verdict = withSignatures(dct, [entry('cosign', 'absent'), entry('notation', 'not_configured')], ['dct']);
    assert.equal(verdict.status, 'signed');
    assert.equal(verdict.coverage, 'dct_only');
    assert.deepEqual(verdict.signatures?.[0], {
      system: 'dct',
      status: 'verified',
      reason: null,
      signers: ['targets/releases'],
      dctVerdict: { status: 'signed', reasonCode: null },
    });
  });

  it('when cosign alone is required, its status decides and DCT’s role and expiry leave the verdict', () => {
    const verdict = withSignatures(dct, [entry('cosign', 'untrusted', 'NO_MATCHING_KEY: no key'), entry('notation', 'not_configured')], ['cosign']);
    assert.equal(verdict.status, 'unsigned');
    assert.equal(verdict.reasonCode, 'COSIGN_UNTRUSTED');
    assert.equal(verdict.role, null);
    assert.equal(verdict.trustExpires, null);
    assert.equal(verdict.coverage, 'dct_only');
  });

  it('the outage rule carries DCT’s own last verdict, not the status cosign decided (Notary down, require [cosign])', () => {
    const stored = {
      ...withSignatures(dct, [entry('cosign', 'absent'), entry('notation', 'not_configured')], ['cosign']),
      firstSeenAt: '2026-01-01T00:00:00Z',
      lastSeenAt: '2026-01-01T00:00:00Z',
      statusSince: '2026-01-01T00:00:00Z',
      digestSince: '2026-01-01T00:00:00Z',
      lastScanId: 1,
    };
    assert.equal(stored.status, 'unsigned', 'cosign decided the tag');
    const carried = dctLastKnown(stored);
    assert.equal(carried?.status, 'signed', 'DCT itself had verified it');
    assert.equal(carried?.role, 'targets/releases');
    assert.equal(dctLastKnown({ ...stored, signatures: [] }), undefined, 'nothing of DCT stored: nothing carried');
    const v11 = { ...stored, signatures: undefined };
    assert.equal(dctLastKnown(v11), v11, 'without signatures the stored verdict is DCT’s');
  });
});
