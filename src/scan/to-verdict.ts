/**
 * A tag's verdict from what the scan established about it: the manifest it
 * serves and the evidence about its image's trust data, judged at one
 * instant. Pure: the same inputs always give the same verdict.
 */
import { contractStatus, coverageOf, dctSystemStatus, type SignatureSystem, type SystemSignature } from '../domain/signatures.js';
import type { StoredTag, TagVerdictRecord } from '../domain/verdict.js';
import { unknownVerdict } from '../domain/verdict.js';
import { judgeTag, type ServedManifest, type TrustEvidence } from '../notary/core/assess.js';
import { verdictThroughOutage } from './outage.js';

export interface VerdictInput {
  readonly repository: string;
  readonly image: string;
  readonly tag: string;
  readonly gun: string;
  /** undefined: the digest is known neither from Nexus REST nor from the registry API. */
  readonly served: ServedManifest | undefined;
  readonly evidence: TrustEvidence;
  readonly evaluatedAt: Date;
  /** Roles counted as renewed (a forecast past the present). */
  readonly renewed?: ReadonlySet<string> | undefined;
  /** The stored verdict, read when the evidence is `unavailable` (the outage rule). */
  readonly lastKnown?: StoredTag | undefined;
}

export function toVerdict(input: VerdictInput): TagVerdictRecord {
  const { repository, image, tag, gun, served } = input;
  if (served === undefined) {
    // Without a digest nothing can be compared: unknown, never signed.
    return unknownVerdict({ repository, image, tag, gun }, 'the manifest digest is known neither from Nexus REST nor from the registry API');
  }
  const judgement = judgeTag(input.evidence, tag, served, input.evaluatedAt, input.renewed);
  const verdict: TagVerdictRecord = {
    repository,
    image,
    tag,
    gun,
    digest: served.digest,
    size: served.size ?? null,
    status: judgement.status,
    role: judgement.role,
    reasonCode: judgement.reasonCode,
    reason: judgement.reasonCode === null ? null : `${judgement.reasonCode}: ${judgement.reason ?? ''}`,
    signedDigest: judgement.signedDigest,
    trustExpires: judgement.trustExpires?.toISOString() ?? null,
  };
  return input.evidence.kind === 'unavailable' ? verdictThroughOutage(verdict, input.lastKnown) : verdict;
}

/**
 * Contract v1.2: the DCT verdict with every system's entry, the coverage, and
 * the contract status decided by the required systems. When DCT is not
 * required, nothing of its trust data decides the tag, so its role, signed
 * digest and expiry are left out of the verdict (they stay in DCT's entry).
 */
export function withSignatures(verdict: TagVerdictRecord, others: readonly SystemSignature[], require: readonly SignatureSystem[]): TagVerdictRecord {
  const dct: SystemSignature = {
    system: 'dct',
    status: dctSystemStatus(verdict.status),
    reason: verdict.reason,
    signers: verdict.role === null ? [] : [verdict.role],
    dctVerdict: { status: verdict.status, reasonCode: verdict.reasonCode },
  };
  const signatures = [dct, ...others];
  const coverage = coverageOf(signatures);
  const decided = contractStatus(verdict.status, signatures, require);
  if (decided.decidedBy === 'dct') {
    return { ...verdict, signatures, coverage };
  }
  const dctRequired = require.includes('dct');
  const entry = signatures.find((candidate) => candidate.system === decided.decidedBy);
  return {
    ...verdict,
    status: decided.status,
    role: dctRequired ? verdict.role : null,
    signedDigest: dctRequired ? verdict.signedDigest : null,
    trustExpires: dctRequired ? verdict.trustExpires : null,
    reasonCode: decided.status === 'signed' ? null : `${decided.decidedBy.toUpperCase()}_${(entry?.status ?? 'not_configured').toUpperCase()}`,
    reason: decided.reason,
    signatures,
    coverage,
  };
}

/** The entries of a tag whose digest is unknown: nothing could be checked. */
export function unknownSignatures(reason: string): SystemSignature[] {
  return [
    { system: 'cosign', status: 'error', reason, signers: [] },
    { system: 'notation', status: 'error', reason, signers: [] },
  ];
}

/**
 * What the outage rule carries for DCT when Notary cannot be reached: DCT's
 * own last verdict, from its stored entry, not the tag's contract status
 * (which cosign or Notation may have decided). undefined when nothing of
 * DCT's own was stored (the verdict is then `error`).
 */
export function dctLastKnown(stored: StoredTag | undefined): StoredTag | undefined {
  if (stored?.signatures === undefined) {
    return stored;
  }
  const entry = stored.signatures.find((candidate) => candidate.system === 'dct');
  if (entry?.dctVerdict === undefined) {
    return undefined;
  }
  return { ...stored, status: entry.dctVerdict.status, reasonCode: entry.dctVerdict.reasonCode, reason: entry.reason, role: entry.signers[0] ?? null };
}
