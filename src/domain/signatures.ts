/**
 * A tag's coverage by the signature systems of contract v1.2 ("Signature
 * systems beyond DCT"): one entry per system with a status from a closed set,
 * the coverage value made of the systems that verified, and the tag's
 * contract `status` decided by the systems the repository requires.
 * Pure: docs/signature-systems.md §1 is the reading of the contract it follows.
 */
import { TAG_STATUSES, type TagStatus } from '../notary/core/codes.js';

export const SIGNATURE_SYSTEMS = ['dct', 'cosign', 'notation'] as const;
export type SignatureSystem = (typeof SIGNATURE_SYSTEMS)[number];

/** A system's status for one tag; a closed set (stored, and a metric label). */
export const SYSTEM_STATUSES = ['verified', 'absent', 'invalid', 'untrusted', 'expired', 'error', 'not_configured'] as const;
export type SystemStatus = (typeof SYSTEM_STATUSES)[number];

/** The set of verified systems, named; a closed set (a metric label). */
export const COVERAGES = ['none', 'dct_only', 'cosign_only', 'notation_only', 'dct_cosign', 'dct_notation', 'cosign_notation', 'all'] as const;
export type Coverage = (typeof COVERAGES)[number];

export interface SystemSignature {
  readonly system: SignatureSystem;
  readonly status: SystemStatus;
  /** Why, when not verified (and which signer was not trusted); null when verified or absent without more to say. */
  readonly reason: string | null;
  /** Who signed: key fingerprints, keyless identities, certificate subjects. Never a metric label. */
  readonly signers: readonly string[];
  /**
   * When the first verified signature stops verifying: for cosign keyless the
   * leaf's notAfter, for Notation the earliest of the expiry header and (without
   * a trusted timestamp) the chain's notAfter; null for keys and DCT.
   */
  readonly certificateExpires?: string | null;
  /**
   * DCT's entry only: DCT's own verdict (its contract status and reason code),
   * which the tag's `status` no longer is when other systems are required. The
   * outage rule carries it when Notary cannot be reached. Never in the report.
   */
  readonly dctVerdict?: { readonly status: TagStatus; readonly reasonCode: string | null };
}

/** How DCT's contract statuses read as a system status (contract v1.2). */
const DCT_SYSTEM_STATUS: Readonly<Record<TagStatus, SystemStatus>> = {
  signed: 'verified',
  unsigned: 'absent',
  digest_mismatch: 'invalid',
  invalid: 'invalid',
  expired: 'expired',
  error: 'error',
};

export function dctSystemStatus(status: TagStatus): SystemStatus {
  return DCT_SYSTEM_STATUS[status];
}

/** The coverage value of a tag's entries: which systems verified. */
export function coverageOf(signatures: readonly SystemSignature[]): Coverage {
  const verified = new Set(signatures.filter((entry) => entry.status === 'verified').map((entry) => entry.system));
  const dct = verified.has('dct');
  const cosign = verified.has('cosign');
  const notation = verified.has('notation');
  if (dct && cosign && notation) {
    return 'all';
  }
  if (dct) {
    return cosign ? 'dct_cosign' : notation ? 'dct_notation' : 'dct_only';
  }
  if (cosign) {
    return notation ? 'cosign_notation' : 'cosign_only';
  }
  return notation ? 'notation_only' : 'none';
}

/** The systems each coverage value names as verified: what `coverageOf` reads back. */
const SYSTEMS_OF: Readonly<Record<Coverage, readonly SignatureSystem[]>> = {
  none: [],
  dct_only: ['dct'],
  cosign_only: ['cosign'],
  notation_only: ['notation'],
  dct_cosign: ['dct', 'cosign'],
  dct_notation: ['dct', 'notation'],
  cosign_notation: ['cosign', 'notation'],
  all: ['dct', 'cosign', 'notation'],
};

export function systemsOf(coverage: Coverage): readonly SignatureSystem[] {
  return SYSTEMS_OF[coverage];
}

/** A required system's status as a contract status (contract v1.2); `not_configured` is refused by the configuration. */
const CONTRACT_STATUS: Readonly<Record<Exclude<SystemStatus, 'not_configured'>, TagStatus>> = {
  verified: 'signed',
  absent: 'unsigned',
  untrusted: 'unsigned',
  invalid: 'invalid',
  expired: 'expired',
  error: 'error',
};

export interface ContractStatus {
  readonly status: TagStatus;
  /** The system that decided it, when it is not DCT's own verdict. */
  readonly decidedBy: SignatureSystem;
  readonly reason: string | null;
}

/**
 * The tag's contract status from the required systems: all must verify, the
 * worst wins by the contract's precedence. DCT keeps its own status (a
 * digest mismatch stays one); a required system that is `not_configured`
 * counts as `error`, never as signed (the configuration refuses it, so this
 * only guards the code).
 */
export function contractStatus(dct: TagStatus, signatures: readonly SystemSignature[], require: readonly SignatureSystem[]): ContractStatus {
  let worst: ContractStatus | undefined;
  for (const system of require) {
    const entry = signatures.find((candidate) => candidate.system === system);
    const candidate: ContractStatus =
      system === 'dct'
        ? { status: dct, decidedBy: 'dct', reason: null }
        : entry === undefined || entry.status === 'not_configured'
          ? { status: 'error', decidedBy: system, reason: `${system} is required but not configured for this repository` }
          : {
              status: CONTRACT_STATUS[entry.status],
              decidedBy: system,
              reason: entry.status === 'verified' ? null : `${system} ${entry.status}${entry.reason === null ? '' : `: ${entry.reason}`}`,
            };
    if (worst === undefined || TAG_STATUSES.indexOf(candidate.status) < TAG_STATUSES.indexOf(worst.status)) {
      worst = candidate;
    }
  }
  return worst ?? { status: dct, decidedBy: 'dct', reason: null };
}
