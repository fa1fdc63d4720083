/**
 * Turns a collection's summary into the contract's verdicts at an instant: the
 * collection status for `inspect`, and one tag's status for `scan`.
 * Docker's rule (docker/cli trust.go getTrustedPullTargets): a tag is honoured
 * from `targets/releases` first, else from top-level `targets`; any other
 * delegation does not count for `docker pull`.
 */
import { timingSafeEqual } from 'node:crypto';

import type { Result } from '../../lib/result.js';
import { RELEASES_ROLE, ROOT_CERTIFICATE_ROLE, type CollectionStatus, type TagReasonCode, type TagStatus, type TrustFailureCode } from './codes.js';
import { summarize, type SummaryRole, type TrustSummary } from './summary.js';
import type { CollectionFailure, VerifiedCollection } from './verify-collection.js';

/** What the fetch and verification of one GUN produced. */
export type TrustEvidence =
  /** Notary answered 404: no trust data for this GUN. */
  | { readonly kind: 'absent' }
  /** The trust data could not be fetched (network, timeout, 5xx, auth). */
  | { readonly kind: 'unavailable'; readonly detail: string }
  | { readonly kind: 'checked'; readonly summary: TrustSummary };

export function checkedEvidence(verification: Result<VerifiedCollection, CollectionFailure>): TrustEvidence {
  return { kind: 'checked', summary: summarize(verification) };
}

export type ReasonCode = TrustFailureCode | TagReasonCode;

export interface HonouredTarget {
  readonly tag: string;
  /** `sha256:<hex>`, as the registry's Docker-Content-Digest. */
  readonly digest: string;
  readonly length: number;
  readonly role: string;
}

/** The roles a verdict from `role` depends on (contract: `trustExpires`). */
function chainOf(role: string): string[] {
  const base = ['root', ROOT_CERTIFICATE_ROLE, 'timestamp', 'snapshot', 'targets'];
  return role === 'targets' ? base : [...base, role];
}

function earliest(roles: readonly SummaryRole[]): Date | undefined {
  let result: number | undefined;
  for (const role of roles) {
    const expires = Date.parse(role.expires);
    if (result === undefined || expires < result) {
      result = expires;
    }
  }
  return result === undefined ? undefined : new Date(result);
}

/**
 * Roles notary-server re-signs on demand (server/timestamp/timestamp.go: on a
 * GET after expiry, with its own key): in a forecast they count as renewed,
 * since what a publisher must act on is what would really lapse. Whether the
 * snapshot key is held by the server cannot be told from the metadata (only
 * `…/snapshot.key` would say, and that call can create a key), so the
 * snapshot is always judged.
 */
export const SERVER_RENEWED_ROLES: ReadonlySet<string> = new Set(['timestamp']);

const NOTHING_RENEWED: ReadonlySet<string> = new Set();

/** Roles expired at `now`: Notary fails when `expires` is before now (signed.IsExpired; no skew). */
function expired(roles: readonly SummaryRole[], now: Date): SummaryRole[] {
  return roles.filter((role) => Date.parse(role.expires) < now.getTime());
}

/** Names each expired role with its own expiry instant. */
function expiryReason(roles: readonly SummaryRole[]): string {
  return 'expired: ' + roles.map((role) => `${role.role} at ${role.expires}`).join(', ');
}

export interface CollectionAssessment {
  readonly status: CollectionStatus;
  readonly reasonCode: ReasonCode | null;
  readonly reason: string | null;
  readonly targets: readonly HonouredTarget[];
  readonly roles: readonly SummaryRole[];
}

/** Every target docker pull would honour, sorted by tag. */
export function honouredTargets(summary: TrustSummary): HonouredTarget[] {
  return Object.keys(summary.honoured)
    .sort()
    .map((tag) => ({ tag, ...(summary.honoured[tag] as TrustSummary['honoured'][string]) }));
}

/** The `inspect` verdict: invalid if any role fails (delegations included), then expired, else valid. */
export function assessCollection(evidence: TrustEvidence, now: Date, renewed: ReadonlySet<string> = NOTHING_RENEWED): CollectionAssessment {
  if (evidence.kind === 'absent') {
    return { status: 'unsigned', reasonCode: 'NO_TRUST_DATA', reason: 'Notary has no trust data for this GUN', targets: [], roles: [] };
  }
  if (evidence.kind === 'unavailable') {
    return { status: 'error', reasonCode: 'FETCH_FAILED', reason: evidence.detail, targets: [], roles: [] };
  }
  const summary = evidence.summary;
  if (summary.failure !== null) {
    const { code, role, detail } = summary.failure;
    return { status: 'invalid', reasonCode: code, reason: `${role}: ${detail}`, targets: [], roles: summary.roles };
  }
  const targets = honouredTargets(summary);
  if (summary.invalidDelegation !== null) {
    const { code, role, detail } = summary.invalidDelegation;
    return { status: 'invalid', reasonCode: code, reason: `${role}: ${detail}`, targets, roles: summary.roles };
  }
  const expiredRoles = expired(
    summary.roles.filter((role) => !renewed.has(role.role)),
    now
  );
  if (expiredRoles.length > 0) {
    return {
      status: 'expired',
      reasonCode: 'EXPIRED',
      reason: expiryReason(expiredRoles),
      targets,
      roles: summary.roles,
    };
  }
  const notes = [...(targets.length === 0 ? ['trust data is valid but signs no tag'] : []), ...summary.warnings];
  return {
    status: 'valid',
    reasonCode: null,
    reason: notes.length === 0 ? null : notes.join('; '),
    targets,
    roles: summary.roles,
  };
}

/** The manifest Nexus serves for a tag now. */
export interface ServedManifest {
  readonly digest: string;
  /** Manifest size in bytes, when known. */
  readonly size: number | undefined;
}

export interface TagJudgement {
  readonly status: TagStatus;
  readonly reasonCode: ReasonCode | null;
  readonly reason: string | null;
  /** The role the tag was found in (`targets/releases` or `targets`), if any. */
  readonly role: string | null;
  readonly signedDigest: string | null;
  /** Earliest expiry among the roles the verdict depends on. */
  readonly trustExpires: Date | null;
}

/**
 * One tag's contract status at `now` (precedence error > invalid > expired >
 * unsigned > digest_mismatch > signed). In a forecast, `renewed` names the
 * roles the server renews: they neither expire the tag nor bound `trustExpires`.
 */
export function judgeTag(evidence: TrustEvidence, tag: string, manifest: ServedManifest, now: Date, renewed: ReadonlySet<string> = NOTHING_RENEWED): TagJudgement {
  const judgement = (
    status: TagStatus,
    reasonCode: ReasonCode | null,
    reason: string | null,
    extra: Partial<Pick<TagJudgement, 'role' | 'signedDigest' | 'trustExpires'>> = {}
  ): TagJudgement => ({
    status,
    reasonCode,
    reason,
    role: extra.role ?? null,
    signedDigest: extra.signedDigest ?? null,
    trustExpires: extra.trustExpires ?? null,
  });

  if (evidence.kind === 'absent') {
    return judgement('unsigned', 'NO_TRUST_DATA', 'Notary has no trust data for this image');
  }
  if (evidence.kind === 'unavailable') {
    return judgement('error', 'FETCH_FAILED', evidence.detail);
  }
  const summary = evidence.summary;
  if (summary.failure !== null) {
    return judgement('invalid', summary.failure.code, `${summary.failure.role}: ${summary.failure.detail}`);
  }
  if (summary.releasesInvalid !== null) {
    // docker would silently fall back to `targets` here (notary skips invalid
    // delegations); an auditor must not (Connaisseur #2151, "stealthy fallback").
    return judgement('invalid', summary.releasesInvalid.code, `${RELEASES_ROLE}: ${summary.releasesInvalid.detail}`);
  }
  const found = Object.prototype.hasOwnProperty.call(summary.honoured, tag) ? summary.honoured[tag] : undefined;
  const chain = chainOf(found?.role ?? 'targets');
  const chainRoles = summary.roles.filter((role) => chain.includes(role.role) && !renewed.has(role.role));
  const trustExpires = earliest(chainRoles) ?? null;
  const expiredRoles = expired(chainRoles, now);
  if (expiredRoles.length > 0) {
    return judgement('expired', 'EXPIRED', expiryReason(expiredRoles), {
      role: found?.role ?? null,
      trustExpires,
    });
  }
  if (found === undefined) {
    const others = Object.prototype.hasOwnProperty.call(summary.otherDelegations, tag) ? summary.otherDelegations[tag] : undefined;
    if (others !== undefined) {
      return judgement('unsigned', 'ONLY_IN_OTHER_DELEGATION', `docker pull finds it in ${others.join(', ')}, which it does not honour (only ${RELEASES_ROLE} and targets)`);
    }
    return judgement('unsigned', 'NOT_SIGNED', `tag is in neither ${RELEASES_ROLE} nor targets`);
  }
  const extra = { role: found.role, signedDigest: found.digest, trustExpires };
  if (!digestsEqual(found.digest, manifest.digest)) {
    return judgement('digest_mismatch', 'SIGNED_DIGEST_DIFFERS', `signed ${found.digest}, Nexus serves ${manifest.digest}`, extra);
  }
  if (manifest.size !== undefined && manifest.size !== found.length) {
    return judgement('digest_mismatch', 'SIGNED_LENGTH_DIFFERS', `signed length ${found.length}, Nexus serves ${manifest.size} bytes`, extra);
  }
  return judgement('signed', null, summary.warnings.length === 0 ? null : summary.warnings.join('; '), extra);
}

function digestsEqual(a: string, b: string): boolean {
  const left = Buffer.from(a.toLowerCase());
  const right = Buffer.from(b.toLowerCase());
  return left.length === right.length && timingSafeEqual(left, right);
}
